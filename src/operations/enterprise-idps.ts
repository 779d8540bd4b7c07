import type { z } from 'zod';
import { idpSchema, type ResolvedEnterpriseIdp, resolveIdp } from '../config/enterprise.js';
import { describeIssues } from '../config/schema.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { forgetStoredIdps } from '../grants/enterprise-idps.js';
import { type EnterpriseIdpRecord, UniqueViolation } from '../store/types.js';

/**
 * Trusted enterprise IdPs for administrators (admin API, dashboard, CLI; issue 17): the configuration's
 * (read-only) and stored ones, which can be added, replaced and removed. A stored IdP is one
 * `enterprise.idps[]` entry, checked by the configuration's own schema (config/enterprise.ts), so an
 * administrator can store nothing the configuration file could not say. Its `jwks_uri` is the
 * operator's word, as in the file: it may name an internal (private or loopback) address (DESIGN §4).
 * Every change is audited with the acting administrator and counts on this instance at once.
 */

export type IdpDefinition = z.output<typeof idpSchema>;

export interface EnterpriseIdpView {
  issuer: string;
  name: string;
  jwks_uri: string | null;
  /** The public keys, when given inline. */
  jwks: { keys: Record<string, unknown>[] } | null;
  subject: 'email' | 'sub';
  signup: boolean;
  /** Null: every asymmetric algorithm. */
  algorithms: string[] | null;
  maxLifetime: number;
  clockTolerance: number;
  source: 'config' | 'database';
  createdAt?: number;
  updatedAt?: number;
}

function view(idp: ResolvedEnterpriseIdp, source: 'config' | 'database'): EnterpriseIdpView {
  return {
    issuer: idp.issuer,
    name: idp.name,
    jwks_uri: idp.jwksUri ?? null,
    jwks: idp.jwks ? (structuredClone(idp.jwks) as { keys: Record<string, unknown>[] }) : null,
    subject: idp.subject,
    signup: idp.signup,
    algorithms: idp.algorithms ? [...idp.algorithms] : null,
    maxLifetime: idp.maxLifetimeS,
    clockTolerance: idp.clockToleranceS,
    source,
  };
}

function storedView(record: EnterpriseIdpRecord): EnterpriseIdpView {
  const definition = parseDefinition(JSON.parse(record.definition));
  return {
    ...view(resolveIdp(definition), 'database'),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** The configuration's schema, with its errors as invalid_request naming each field. */
export function parseDefinition(input: unknown): IdpDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new OAuthError('invalid_request', 'the IdP must be a JSON object');
  const parsed = idpSchema.safeParse(input);
  if (!parsed.success) throw new OAuthError('invalid_request', describeIssues(parsed.error));
  return parsed.data;
}

const isConfigured = (ctx: Context, issuer: string) =>
  ctx.config.enterprise.idps.some((i) => i.issuer === issuer);

export async function listEnterpriseIdps(ctx: Context): Promise<EnterpriseIdpView[]> {
  const configured = ctx.config.enterprise.idps.map((i) => view(i, 'config'));
  const stored = await ctx.store.listEnterpriseIdps();
  return [...configured, ...stored.filter((r) => !isConfigured(ctx, r.issuer)).map(storedView)];
}

export async function getEnterpriseIdp(ctx: Context, issuer: string): Promise<EnterpriseIdpView> {
  const configured = ctx.config.enterprise.idps.find((i) => i.issuer === issuer);
  if (configured) return view(configured, 'config');
  return storedView(await requireStored(ctx, issuer));
}

async function requireStored(ctx: Context, issuer: string): Promise<EnterpriseIdpRecord> {
  if (isConfigured(ctx, issuer))
    throw new OAuthError(
      'invalid_request',
      `${issuer} is defined in the configuration file: change it there`,
      {
        status: 409,
      },
    );
  const record = (await ctx.store.listEnterpriseIdps()).find((r) => r.issuer === issuer);
  if (!record) throw new OAuthError('not_found', `no enterprise IdP ${issuer}`);
  return record;
}

const auditDetail = (d: IdpDefinition) => ({
  issuer: d.issuer,
  subject: d.subject,
  signup: d.signup ?? false,
  keys: d.jwks_uri ?? 'inline',
});

export async function addEnterpriseIdp(
  ctx: Context,
  input: unknown,
  actor: string,
): Promise<EnterpriseIdpView> {
  const definition = parseDefinition(input);
  if (isConfigured(ctx, definition.issuer))
    throw new OAuthError('invalid_request', `issuer: "${definition.issuer}" is a configured IdP`, {
      status: 409,
    });
  const at = ctx.now();
  const record = {
    issuer: definition.issuer,
    definition: JSON.stringify(definition),
    createdAt: at,
    updatedAt: at,
  };
  try {
    await ctx.store.createEnterpriseIdp(record);
  } catch (error) {
    if (error instanceof UniqueViolation)
      throw new OAuthError('invalid_request', `issuer: "${definition.issuer}" exists`, { status: 409 });
    throw error;
  }
  forgetStoredIdps(ctx);
  await ctx.audit({ type: 'enterprise.idp_added', actor, detail: auditDetail(definition) });
  return storedView(record);
}

/** Replaces a stored IdP's whole entry (PUT); the issuer never changes (remove and add instead). */
export async function replaceEnterpriseIdp(
  ctx: Context,
  issuer: string,
  input: unknown,
  actor: string,
): Promise<EnterpriseIdpView> {
  const record = await requireStored(ctx, issuer);
  const body = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
  const definition = parseDefinition({ issuer, ...body });
  if (definition.issuer !== issuer)
    throw new OAuthError('invalid_request', 'issuer: cannot be changed (remove the IdP and add a new one)');
  const next = { ...record, definition: JSON.stringify(definition), updatedAt: ctx.now() };
  if (!(await ctx.store.updateEnterpriseIdp(next)))
    throw new OAuthError('not_found', `no enterprise IdP ${issuer}`);
  forgetStoredIdps(ctx);
  await ctx.audit({ type: 'enterprise.idp_changed', actor, detail: auditDetail(definition) });
  return storedView(next);
}

/** Removes a stored IdP: its ID-JAGs are refused on this instance at once, elsewhere within seconds. */
export async function removeEnterpriseIdp(ctx: Context, issuer: string, actor: string): Promise<void> {
  await requireStored(ctx, issuer);
  if (!(await ctx.store.deleteEnterpriseIdp(issuer)))
    throw new OAuthError('not_found', `no enterprise IdP ${issuer}`);
  forgetStoredIdps(ctx);
  await ctx.audit({ type: 'enterprise.idp_removed', actor, detail: { issuer } });
}
