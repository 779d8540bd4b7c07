import type { Store } from '../store/types.js';
import type { ResolvedBranding } from './config.js';
import { editableFields } from './config.js';
import { type BrandingFields, brandingFieldsSchema, decodeDataLogo, type LogoType } from './schema.js';
import { brandedStylesheet, stylesheetVersion } from './stylesheet.js';
import type { CompiledTemplate } from './template.js';

/**
 * How often an instance re-reads the stored branding: an edit applies at once on the instance that made
 * it and within this long on every other instance sharing the database. Branding is not a security
 * setting, so a short poll is enough (no LISTEN/NOTIFY channel of its own, unlike the client cache).
 */
export const BRANDING_REFRESH_MS = 5_000;

/** Everything the layout and the asset routes need, computed once per change. Frozen. */
export interface BrandingSnapshot {
  /** The effective editable fields: the stored row when there is one, else the configuration's. */
  readonly fields: BrandingFields;
  readonly source: 'configuration' | 'database';
  readonly updatedAt: number | null;
  readonly updatedBy: string | null;
  /** The hosted pages' stylesheet with the branding applied (stylesheet.ts) and its cache-busting version. */
  readonly css: string;
  readonly cssVersion: string;
  /** A data: logo, decoded; an https logo is fetched on demand (logo.ts). */
  readonly inlineLogo?: { type: LogoType; bytes: Buffer };
  readonly logoVersion?: string;
  /** From the configuration only. */
  readonly templates: Partial<Record<string, CompiledTemplate>>;
}

function snapshotOf(
  fields: BrandingFields,
  templates: ResolvedBranding['templates'],
  row?: { updatedAt: number; updatedBy: string | null },
): BrandingSnapshot {
  const css = brandedStylesheet(fields);
  const decoded = fields.logo?.startsWith('data:') ? decodeDataLogo(fields.logo) : undefined;
  return Object.freeze({
    fields: Object.freeze(fields),
    source: row ? 'database' : 'configuration',
    updatedAt: row?.updatedAt ?? null,
    updatedBy: row?.updatedBy ?? null,
    css,
    cssVersion: stylesheetVersion(css),
    inlineLogo: typeof decoded === 'object' ? decoded : undefined,
    logoVersion: fields.logo ? stylesheetVersion(fields.logo) : undefined,
    templates,
  });
}

/**
 * Run-time branding: the configuration gives the defaults, a row saved from the dashboard or the admin
 * API overrides them (all editable fields at once) until it is deleted. Read `snapshot()` (no I/O).
 */
export class BrandingRegistry {
  readonly #store: Store;
  readonly #configured: ResolvedBranding;
  readonly #onError: (error: unknown) => void;
  #snapshot: BrandingSnapshot;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(store: Store, configured: ResolvedBranding, onError: (error: unknown) => void = () => {}) {
    this.#store = store;
    this.#configured = configured;
    this.#onError = onError;
    this.#snapshot = snapshotOf(editableFields(configured), configured.templates);
  }

  snapshot(): BrandingSnapshot {
    return this.#snapshot;
  }

  /** The configuration's editable fields (what deleting the stored row returns to). */
  configured(): BrandingFields {
    return editableFields(this.#configured);
  }

  /**
   * Reloads from the database now. A stored row that no longer passes the schema (written by a newer
   * version, or edited by hand) is reported and ignored: the configuration's branding applies.
   */
  async refresh(): Promise<void> {
    const row = await this.#store.getBranding();
    const parsed = row ? brandingFieldsSchema.safeParse(safeJson(row.settings)) : undefined;
    if (parsed && !parsed.success)
      this.#onError(new Error('the stored branding is not valid; using the configuration'));
    this.#snapshot = parsed?.success
      ? snapshotOf(parsed.data, this.#configured.templates, row)
      : snapshotOf(this.configured(), this.#configured.templates);
    this.#loadedAt = performance.now();
  }

  /** Per request, not awaited: a clock comparison, and one shared background reload when stale. */
  refreshIfStale(): Promise<void> | undefined {
    if (this.#refreshing || performance.now() - this.#loadedAt < BRANDING_REFRESH_MS) return this.#refreshing;
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
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
