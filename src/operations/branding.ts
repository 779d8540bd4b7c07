import type { BrandingSnapshot } from '../branding/registry.js';
import { type BrandingFields, brandingFieldsSchema } from '../branding/schema.js';
import { describeIssues } from '../config/schema.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';

/**
 * The hosted pages' branding as administrators see and edit it (admin API, dashboard). The fields are
 * checked by the same zod schema as the configuration's `branding` (src/branding/schema.ts); a saved
 * edit overrides the configuration until it is reset, applies at once on this instance and within
 * BRANDING_REFRESH_MS (5 s) on the others.
 */
export interface BrandingView {
  /** What the pages show now. */
  branding: BrandingFields;
  /** "database" after an edit, "configuration" otherwise. */
  source: BrandingSnapshot['source'];
  /** The configuration's branding, which a reset returns to. */
  configured: BrandingFields;
  updated_at: number | null;
  updated_by: string | null;
}

function view(ctx: Context): BrandingView {
  const s = ctx.branding.snapshot();
  return {
    branding: s.fields,
    source: s.source,
    configured: ctx.branding.configured(),
    updated_at: s.updatedAt,
    updated_by: s.updatedBy,
  };
}

/** The current branding, as the database has it now (not as this instance cached it). */
export async function getBranding(ctx: Context): Promise<BrandingView> {
  await ctx.branding.refresh();
  return view(ctx);
}

/** Validates and stores `input` (every editable field at once: a field left out is unset); audited. */
export async function saveBranding(ctx: Context, input: unknown, actor: string): Promise<BrandingView> {
  const parsed = brandingFieldsSchema.safeParse(input);
  if (!parsed.success) throw new OAuthError('invalid_request', describeIssues(parsed.error));
  const fields = withoutEmpty(parsed.data);
  const before = ctx.branding.snapshot().fields;
  await ctx.store.putBranding({ settings: JSON.stringify(fields), updatedAt: ctx.now(), updatedBy: actor });
  await ctx.branding.refresh();
  await ctx.audit({ type: 'branding.updated', actor, detail: { changed: changedFields(before, fields) } });
  return view(ctx);
}

/** Deletes the stored edit: the configuration's branding applies again; audited. */
export async function resetBranding(ctx: Context, actor: string): Promise<BrandingView> {
  const before = ctx.branding.snapshot().fields;
  const removed = await ctx.store.deleteBranding();
  await ctx.branding.refresh();
  if (removed)
    await ctx.audit({
      type: 'branding.reset',
      actor,
      detail: { changed: changedFields(before, ctx.branding.snapshot().fields) },
    });
  return view(ctx);
}

/** Colours left empty in a form are unset, not stored as empty objects. */
function withoutEmpty(fields: BrandingFields): BrandingFields {
  const out: BrandingFields = { ...fields };
  if (out.colors && Object.values(out.colors).every((c) => c === undefined)) delete out.colors;
  return out;
}

/** The names of the fields an edit changed (the audit record carries names, not CSS or images). */
function changedFields(before: BrandingFields, after: BrandingFields): string[] {
  const keys = ['name', 'logo', 'colors', 'stylesheet'] as const;
  return keys.filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null));
}
