import type { ResolvedConfig, ResolvedResource } from '../config/resolve.js';
import type { Context } from '../context.js';
import { displayNameProblem, sanitiseDisplayName } from '../display-name.js';
import { OAuthError } from '../errors.js';
import type { ResourceRecord, Store } from '../store/types.js';

/**
 * Protected resources editable at run time. The configuration decides which resources exist and seeds
 * their name, scopes and lanes into the database; administrators' edits live in the database and win.
 * Every reader keeps reading `ctx.config.resources`: the registry rewrites that array in place, so an
 * edit applies at once on this instance and within `refreshMs` on every other instance of the database.
 */
export class ResourceRegistry {
  /** Bumped on every change, so derived documents (the metadata's scopes_supported) can rebuild. */
  version = 0;
  readonly #seeds: ResolvedResource[];
  readonly #builtIn: ResolvedResource[];
  #loadedAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly config: ResolvedConfig,
    private readonly refreshMs = 5_000,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.#seeds = config.resources.filter((r) => !r.restricted).map((r) => ({ ...r }));
    this.#builtIn = config.resources.filter((r) => r.restricted);
  }

  async init(at: number): Promise<void> {
    await this.store.seedResources(this.#seeds.map((r) => toRecord(r, at)));
    await this.refresh();
  }

  /** Reloads from the database now. */
  async refresh(): Promise<void> {
    const rows = new Map((await this.store.listResources()).map((r) => [r.resource, r]));
    const next = this.#seeds.map((seed) => {
      const row = rows.get(seed.resource);
      return row
        ? { ...seed, name: row.name, scopes: row.scopes, defaultScopes: row.defaultScopes, lanes: row.lanes }
        : { ...seed };
    });
    this.config.resources.splice(0, this.config.resources.length, ...next, ...this.#builtIn);
    this.#loadedAt = performance.now();
    this.version++;
  }

  /**
   * Called per request: reloads (once, shared by concurrent callers) when the copy is older than
   * refreshMs. A failed reload keeps serving the copy it has (the request must not fail because of
   * it) and is retried after another refreshMs.
   */
  refreshIfStale(): Promise<void> | undefined {
    if (performance.now() - this.#loadedAt < this.refreshMs) return undefined;
    this.#refreshing ??= this.refresh()
      .catch((error: unknown) => {
        this.#loadedAt = performance.now();
        this.onError(error);
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** The editable resources with their stored bookkeeping. */
  async list(): Promise<(ResolvedResource & { updatedAt: number; updatedBy: string | null })[]> {
    const rows = new Map((await this.store.listResources()).map((r) => [r.resource, r]));
    return this.config.resources
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
    scopes: r.scopes,
    defaultScopes: r.defaultScopes,
    lanes: r.lanes,
    updatedAt: at,
    updatedBy: null,
  };
}

export interface ResourceEdit {
  name?: string;
  scopes?: string[];
  default_scopes?: string[];
  lanes?: Partial<ResourceRecord['lanes']>;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Edits a resource's name, scopes and allowed lanes; audited. */
export async function editResource(
  ctx: Context,
  resource: string,
  edit: ResourceEdit,
  actor: string,
): Promise<ResolvedResource> {
  const current = ctx.config.resources.find((r) => r.resource === resource && !r.restricted);
  if (!current) throw new OAuthError('not_found', `no editable resource ${resource}`);
  if (edit.name !== undefined && displayNameProblem(edit.name))
    throw new OAuthError('invalid_request', `"name" ${displayNameProblem(edit.name)}`);
  // Shown on the consent page: the same rule as client names (src/display-name.ts).
  const name = edit.name === undefined ? current.name : sanitiseDisplayName(edit.name);
  if (!name || (edit.name?.length ?? 0) > 200)
    throw new OAuthError('invalid_request', '"name" must be 1 to 200 characters');
  const scopes = edit.scopes ?? current.scopes;
  const bad = scopes.find((s) => !SCOPE_TOKEN.test(s));
  if (bad !== undefined) throw new OAuthError('invalid_request', `"scopes": "${bad}" is not a valid scope`);
  const uniqueScopes = [...new Set(scopes)];
  // Defaults that are no longer scopes are dropped with them.
  const defaultScopes = (edit.default_scopes ?? current.defaultScopes).filter((s) =>
    uniqueScopes.includes(s),
  );
  if (edit.default_scopes?.some((s) => !uniqueScopes.includes(s)))
    throw new OAuthError('invalid_request', '"default_scopes" must be a subset of "scopes"');
  const lanes = { ...current.lanes, ...edit.lanes };
  for (const [lane, value] of Object.entries(lanes)) {
    if (typeof value !== 'boolean')
      throw new OAuthError('invalid_request', `"lanes.${lane}" must be a boolean`);
  }
  await ctx.store.updateResource(resource, {
    name,
    scopes: uniqueScopes,
    defaultScopes,
    lanes,
    updatedAt: ctx.now(),
    updatedBy: actor,
  });
  await ctx.resources.refresh();
  await ctx.audit({
    type: 'resource.updated',
    actor,
    detail: { resource, name, scopes: uniqueScopes, default_scopes: defaultScopes, lanes },
  });
  return ctx.config.resources.find((r) => r.resource === resource)!;
}
