import type { ResourceRecord, Store } from '../store/types.js';
import { deepFreeze } from './freeze.js';
import type { ResolvedConfig, ResolvedResource } from './resolve.js';

/**
 * The protected resources as this instance sees them now: a frozen value, replaced (never changed)
 * when the registry reloads. It carries the issuer and the default resource too, so it is everything
 * `resolveResource` (grants/audience.ts) reads.
 */
export interface ResourceSnapshot {
  /** Bumped on every reload, so derived documents (the metadata's scopes_supported) know to rebuild. */
  readonly version: number;
  readonly issuer: string;
  readonly defaultResource: string | null;
  /** The editable resources in configuration order, then the built-in admin API resource. */
  readonly resources: readonly ResolvedResource[];
}

export interface ResourceRegistryOptions {
  /** How old the snapshot may get before a request triggers a reload (config.resourceCacheTtlMs). */
  refreshMs: number;
  /** A failed background reload is reported here; the previous snapshot keeps being served. */
  onError?: (error: unknown) => void;
}

/**
 * Run-time state of the protected resources. The resolved configuration (frozen) decides which
 * resources exist and seeds their name, scopes and lanes into the database; administrators' edits
 * live in the database and win. Readers take `snapshot()`; an edit applies at once on the instance
 * that made it (it calls `refresh()`) and within `refreshMs` (plus one read) on every other instance.
 */
export class ResourceRegistry {
  readonly #store: Store;
  readonly #seeds: readonly ResolvedResource[];
  readonly #builtIn: readonly ResolvedResource[];
  readonly #refreshMs: number;
  readonly #onError: (error: unknown) => void;
  #snapshot: ResourceSnapshot;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(store: Store, config: ResolvedConfig, options: ResourceRegistryOptions) {
    this.#store = store;
    this.#seeds = config.resources.filter((r) => !r.restricted);
    this.#builtIn = config.resources.filter((r) => r.restricted);
    this.#refreshMs = options.refreshMs;
    this.#onError = options.onError ?? (() => {});
    this.#snapshot = deepFreeze({
      version: 0,
      issuer: config.issuer,
      defaultResource: config.defaultResource,
      resources: [...this.#seeds, ...this.#builtIn],
    });
  }

  /** Seeds the configured resources the database does not have yet, then loads. */
  async init(at: number): Promise<void> {
    await this.#store.seedResources(this.#seeds.map((r) => toRecord(r, at)));
    await this.refresh();
  }

  /** The current view: frozen, cheap (no I/O), the same object until the next reload. */
  snapshot(): ResourceSnapshot {
    return this.#snapshot;
  }

  /** Reloads from the database now (after an edit on this instance; tests). */
  async refresh(): Promise<void> {
    const rows = new Map((await this.#store.listResources()).map((r) => [r.resource, r]));
    const edited = this.#seeds.map((seed) => {
      const row = rows.get(seed.resource);
      return row
        ? { ...seed, name: row.name, scopes: row.scopes, defaultScopes: row.defaultScopes, lanes: row.lanes }
        : seed;
    });
    const previous = this.#snapshot;
    this.#snapshot = deepFreeze({
      ...previous,
      version: previous.version + 1,
      resources: [...edited, ...this.#builtIn],
    });
    this.#loadedAt = performance.now();
  }

  /**
   * Called per request, without awaiting: a clock comparison when the snapshot is fresh; when it is
   * older than refreshMs, starts one reload (shared by concurrent callers) and returns it while the
   * caller goes on with the current snapshot. A failed reload keeps the snapshot it has (no request
   * fails because of it), is reported, and is retried after another refreshMs. The promise never rejects.
   */
  refreshIfStale(): Promise<void> | undefined {
    if (this.#refreshing || performance.now() - this.#loadedAt < this.#refreshMs) return this.#refreshing;
    this.#refreshing = this.refresh()
      .catch((error: unknown) => {
        this.#loadedAt = performance.now();
        this.#onError(error);
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** The editable resources of the current snapshot with their stored bookkeeping (admin listings). */
  async list(): Promise<(ResolvedResource & { updatedAt: number; updatedBy: string | null })[]> {
    const rows = new Map((await this.#store.listResources()).map((r) => [r.resource, r]));
    return this.#snapshot.resources
      .filter((r) => !r.restricted)
      .map((r) => ({
        ...r,
        updatedAt: rows.get(r.resource)?.updatedAt ?? 0,
        updatedBy: rows.get(r.resource)?.updatedBy ?? null,
      }));
  }
}

function toRecord(r: ResolvedResource, at: number): ResourceRecord {
  return {
    resource: r.resource,
    name: r.name,
    scopes: [...r.scopes],
    defaultScopes: [...r.defaultScopes],
    lanes: { ...r.lanes },
    updatedAt: at,
    updatedBy: null,
  };
}
