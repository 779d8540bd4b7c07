import type { ResolvedConnection } from '../config/connections.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { samlUrls } from '../paths.js';
import { type ConnectionDefinitionRecord, UniqueViolation } from '../store/types.js';
import { openSecrets, parseDefinition, plainDefinition, sealDefinition } from './connection-definitions.js';
import { connectionsOf, forgetStoredConnections } from './connection-registry.js';

/**
 * Upstream connections and linked identities for administrators (admin API, dashboard, CLI). Two
 * sources: the configuration file's connections (read-only here, `source: "config"`) and those stored
 * through these operations (`source: "database"`), validated by the configuration's own schema
 * (operations/connection-definitions.ts) and seen by every sign-in at once on this instance, within seconds on
 * the others (operations/connection-registry.ts). Views never carry a secret field (client secret, private
 * key): only the names of those that are set. Every change is audited with the acting administrator.
 */

export type Obj = Record<string, unknown>;

export interface ConnectionView {
  id: string;
  type: string;
  name: string;
  source: 'config' | 'database';
  enabled: boolean;
  /** OpenID Connect connections: */
  issuer?: string;
  client_id?: string;
  token_endpoint_auth_method?: string;
  scopes?: string[];
  domains?: string[];
  trustEmailVerified?: boolean;
  signup?: boolean;
  /** SAML connections fetching the IdP's metadata: */
  metadata_url?: string;
  /** SAML connections: the SP entity ID and ACS URL to register at the IdP. */
  sp_entity_id?: string;
  acs_url?: string;
  /** Stored connections: the definition PUT and PATCH edit, without its secret fields. */
  definition?: Obj;
  /** Stored connections: which secret fields are set (their values are never shown). */
  secrets?: string[];
  createdAt?: number;
  updatedAt?: number;
  /** A stored connection whose id the configuration now also uses: the configured one is served. */
  shadowed?: boolean;
}

export interface LinkedIdentityView {
  issuer: string;
  subject: string;
  connection: string;
  /** The connection's name, or null when it no longer exists. */
  connectionName: string | null;
  email: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

function resolvedView(c: ResolvedConnection): Omit<ConnectionView, 'source'> {
  const common = {
    id: c.id,
    type: c.type,
    name: c.name,
    enabled: c.enabled,
    domains: [...c.domains],
    trustEmailVerified: c.trustEmailVerified,
    signup: c.signup,
  };
  if (c.type === 'oidc') {
    return {
      ...common,
      issuer: c.issuer,
      client_id: c.clientId,
      token_endpoint_auth_method: c.authMethod,
      scopes: [...c.scopes],
    };
  }
  const metadataUrl = (c as { metadataUrl?: string }).metadataUrl;
  return metadataUrl ? { ...common, metadata_url: metadataUrl } : common;
}

/** A SAML connection's view names what to register at the IdP. */
function withSamlEndpoints<V extends { id: string; type: string }>(ctx: Context, view: V): V {
  return view.type === 'saml' ? { ...view, ...samlUrls(ctx.config.issuer, view.id) } : view;
}

function storedView(ctx: Context, r: ConnectionDefinitionRecord): ConnectionView {
  const definition = plainDefinition(r);
  const oidc = r.type === 'oidc';
  const d = definition as { name?: string; issuer?: string; client_id?: string; metadata_url?: string };
  return withSamlEndpoints(ctx, {
    id: r.id,
    type: r.type,
    name: typeof d.name === 'string' ? d.name : r.id,
    source: 'database',
    enabled: r.enabled,
    ...(oidc ? { issuer: d.issuer, client_id: d.client_id } : {}),
    ...(d.metadata_url ? { metadata_url: d.metadata_url } : {}),
    definition,
    secrets: r.secretsEncrypted ? Object.keys(openSecrets(ctx, r)).sort() : [],
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(ctx.config.connections.some((c) => c.id === r.id) ? { shadowed: true } : {}),
  });
}

/** Every connection: the configured ones, then the stored ones (oldest first). */
export async function listConnections(ctx: Context): Promise<ConnectionView[]> {
  const configured = ctx.config.connections.map((c) =>
    withSamlEndpoints(ctx, { ...resolvedView(c), source: 'config' as const }),
  );
  const stored = await ctx.store.listConnectionDefinitions();
  return [...configured, ...stored.map((r) => storedView(ctx, r))];
}

export async function getConnection(ctx: Context, id: string): Promise<ConnectionView> {
  const configured = ctx.config.connections.find((c) => c.id === id);
  if (configured) return withSamlEndpoints(ctx, { ...resolvedView(configured), source: 'config' as const });
  return storedView(ctx, await requireStored(ctx, id));
}

async function requireStored(ctx: Context, id: string): Promise<ConnectionDefinitionRecord> {
  if (ctx.config.connections.some((c) => c.id === id))
    throw new OAuthError(
      'invalid_request',
      `connection ${id} is defined in the configuration file: change it there`,
      { status: 409 },
    );
  const record = (await ctx.store.listConnectionDefinitions()).find((r) => r.id === id);
  if (!record) throw new OAuthError('not_found', `no connection ${id}`);
  return record;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function asObject(input: unknown): Obj {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new OAuthError('invalid_request', 'the connection must be a JSON object');
  return input as Obj;
}

/** RFC 7396 JSON Merge Patch: members replace, `null` removes, objects merge. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Obj =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (FORBIDDEN_KEYS.has(key)) throw new OAuthError('invalid_request', `${key}: is not a field`);
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export async function createConnection(ctx: Context, input: unknown, actor: string): Promise<ConnectionView> {
  const parsed = parseDefinition(mergePatch({}, asObject(input)));
  if (ctx.config.connections.some((c) => c.id === parsed.id))
    throw new OAuthError('invalid_request', `id: "${parsed.id}" is a configured connection`, { status: 409 });
  const at = ctx.now();
  const record = sealDefinition(ctx, parsed, { createdAt: at, updatedAt: at });
  try {
    await ctx.store.createConnectionDefinition(record);
  } catch (error) {
    if (error instanceof UniqueViolation)
      throw new OAuthError('invalid_request', `id: "${parsed.id}" exists`, { status: 409 });
    throw error;
  }
  forgetStoredConnections(ctx);
  await ctx.audit({
    type: 'connection.created',
    actor,
    detail: { connection: record.id, type: record.type, enabled: record.enabled },
  });
  return storedView(ctx, record);
}

/**
 * Changes a stored connection. `replace` (PUT): the body is the whole definition, except that secret
 * fields it leaves out keep their stored values (views never show them, so they cannot be sent back).
 * Otherwise (PATCH) the body is a JSON Merge Patch (RFC 7396) of the definition. The id never changes.
 */
export async function updateConnection(
  ctx: Context,
  id: string,
  input: unknown,
  actor: string,
  options: { replace: boolean },
): Promise<ConnectionView> {
  const body = asObject(input);
  if (body['id'] !== undefined && body['id'] !== id)
    throw new OAuthError('invalid_request', 'id: cannot be changed (create a new connection)');
  const record = await requireStored(ctx, id);
  const secrets = openSecrets(ctx, record);
  const current = { ...plainDefinition(record), ...secrets };
  const kept = Object.fromEntries(Object.entries(secrets).filter(([k]) => !(k in body)));
  const candidate = options.replace
    ? { enabled: record.enabled, ...kept, ...(mergePatch({}, body) as Obj), id }
    : { ...(mergePatch(current, body) as Obj), id };
  const parsed = parseDefinition(candidate);
  const next = sealDefinition(ctx, parsed, { createdAt: record.createdAt, updatedAt: ctx.now() });
  if (!(await ctx.store.updateConnectionDefinition(next)))
    throw new OAuthError('not_found', `no connection ${id}`);
  forgetStoredConnections(ctx);
  const onlyToggled = Object.keys(body).every((k) => k === 'enabled' || k === 'id');
  const type = onlyToggled ? `connection.${next.enabled ? 'enabled' : 'disabled'}` : 'connection.updated';
  const changed = Object.keys(body).filter((k) => k !== 'id');
  await ctx.audit({ type, actor, detail: { connection: id, enabled: next.enabled, fields: changed } });
  return storedView(ctx, next);
}

export function setConnectionEnabled(ctx: Context, id: string, enabled: boolean, actor: string) {
  return updateConnection(ctx, id, { enabled }, actor, { replace: false });
}

/** Deletes a stored connection; identities linked through it stay linked to their users (issuer + sub). */
export async function deleteConnection(ctx: Context, id: string, actor: string): Promise<void> {
  await requireStored(ctx, id);
  if (!(await ctx.store.deleteConnectionDefinition(id)))
    throw new OAuthError('not_found', `no connection ${id}`);
  forgetStoredConnections(ctx);
  await ctx.audit({ type: 'connection.deleted', actor, detail: { connection: id } });
}

export async function userIdentities(ctx: Context, userId: string): Promise<LinkedIdentityView[]> {
  if (!(await ctx.store.getUserById(userId))) throw new OAuthError('not_found', `no user ${userId}`);
  const [links, connections] = await Promise.all([
    ctx.store.listLinkedIdentities(userId),
    connectionsOf(ctx),
  ]);
  return links.map((l) => ({
    issuer: l.issuer,
    subject: l.subject,
    connection: l.connectionId,
    connectionName: connections.find((c) => c.id === l.connectionId)?.name ?? null,
    email: l.email,
    createdAt: l.createdAt,
    lastUsedAt: l.lastUsedAt,
  }));
}

/** Removes a link: the next sign-in through that provider is treated as a first one (docs/sign-in.md). */
export async function unlinkIdentity(
  ctx: Context,
  userId: string,
  identity: { issuer: string; subject: string },
  actor: string,
): Promise<void> {
  if (!(await ctx.store.deleteLinkedIdentity(userId, identity.issuer, identity.subject)))
    throw new OAuthError('not_found', 'this user has no such linked identity');
  await ctx.audit({ type: 'user.identity_unlinked', userId, actor, detail: { issuer: identity.issuer } });
}
