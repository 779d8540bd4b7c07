/**
 * The one place that knows every trusted enterprise IdP: the configuration's (`enterprise.idps[]`,
 * read-only) and those stored by administrators (admin API, dashboard, CLI; migration 0015). The ID-JAG
 * grant asks here, never `ctx.config.enterprise.idps`.
 *
 * Stored IdPs are read whole and cached per instance for at most STORED_TTL_MS: a change made on this
 * instance counts at once (the operations call `forgetStoredIdps`), one made on another instance within
 * that time. A read that began before a local change is answered but not cached, so a removed IdP is
 * never brought back by a slow read. A stored IdP whose issuer the configuration also lists is ignored
 * (the configuration wins; the operations refuse to create one). A stored row that no longer passes
 * the schema (an older version wrote it) is skipped, never trusted half-read.
 */

import { StoredCopy } from '../cache/stored-copy.js';
import { idpSchema, type ResolvedEnterpriseIdp, resolveIdp } from '../config/enterprise.js';
import type { Context } from '../context.js';
import type { EnterpriseIdpRecord } from '../store/types.js';

/** How long a copy of the stored IdPs is served before the database is read again. */
export const STORED_TTL_MS = 5_000;

const copies = new StoredCopy<ResolvedEnterpriseIdp[]>(STORED_TTL_MS);

/** A stored row as the grant uses it, or undefined when it does not pass the schema any more. */
export function resolveStoredIdp(record: EnterpriseIdpRecord): ResolvedEnterpriseIdp | undefined {
  let value: unknown;
  try {
    value = JSON.parse(record.definition);
  } catch {
    return undefined;
  }
  const parsed = idpSchema.safeParse(value);
  return parsed.success && parsed.data.issuer === record.issuer ? resolveIdp(parsed.data) : undefined;
}

async function loadStored(ctx: Context): Promise<ResolvedEnterpriseIdp[]> {
  const configured = new Set(ctx.config.enterprise.idps.map((i) => i.issuer));
  const rows = await ctx.store.listEnterpriseIdps();
  return rows
    .filter((r) => !configured.has(r.issuer))
    .map(resolveStoredIdp)
    .filter((i): i is ResolvedEnterpriseIdp => i !== undefined);
}

function storedIdps(ctx: Context): Promise<ResolvedEnterpriseIdp[]> {
  return copies.get(ctx.store, () => loadStored(ctx));
}

/** Every trusted IdP: the configuration's, then the stored ones. */
export async function enterpriseIdpsOf(ctx: Context): Promise<readonly ResolvedEnterpriseIdp[]> {
  return [...ctx.config.enterprise.idps, ...(await storedIdps(ctx))];
}

/**
 * Whether the jwt-bearer (ID-JAG) grant is offered: while any IdP is trusted. The metadata lists the
 * grant then (RFC 8414 §2 grant_types_supported), and the token endpoint answers unsupported_grant_type
 * otherwise (RFC 6749 §5.2), whatever grant types a client was registered with.
 */
export async function idJagGrantOffered(ctx: Context): Promise<boolean> {
  return (await enterpriseIdpsOf(ctx)).length > 0;
}

/** The trusted IdP whose issuer is exactly `issuer`, if any. */
export async function findEnterpriseIdp(
  ctx: Context,
  issuer: string | undefined,
): Promise<ResolvedEnterpriseIdp | undefined> {
  if (issuer === undefined) return undefined;
  const configured = ctx.config.enterprise.idps.find((i) => i.issuer === issuer);
  return configured ?? (await storedIdps(ctx)).find((i) => i.issuer === issuer);
}

/** After a local change: the next use reads the database again; reads in flight are not cached. */
export function forgetStoredIdps(ctx: Context): void {
  copies.forget(ctx.store);
}
