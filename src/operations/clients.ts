import type { ClientOptions } from '../config/options.js';
import { resolveClientSeed } from '../config/resolve.js';
import { clientSchema, describeIssues } from '../config/schema.js';
import type { Context } from '../context.js';
import { displayNameProblem, sanitiseDisplayName } from '../display-name.js';
import { OAuthError } from '../errors.js';
import { cimdState } from '../lanes/cimd/service.js';
import {
  type ClientKeys,
  clientKeysOf,
  jwksProblem,
  jwksUriProblem,
  signingAlgProblem,
} from '../lanes/client-keys.js';
import { clientRecordFromSeed, generateClientId, generateClientSecret } from '../lanes/preregistered.js';
import { checkRedirectUri } from '../lanes/redirect-uri.js';
import { isScopeString } from '../scope-token.js';
import { type ClientListQuery, type ClientRecord, UniqueViolation } from '../store/types.js';
import { hashSecret } from '../tokens/crypto.js';
import { recentAuditEvents } from './audit.js';
import {
  type CimdView,
  type ClientDetailView,
  type ClientView,
  presentClient,
  presentClientKeys,
} from './views.js';

/**
 * Creating and editing preregistered clients (CLI, admin API, dashboard). Input is validated by the
 * same schema as the config file; a confidential client gets a generated secret, returned once and
 * stored only as a hash.
 */
export type NewClientInput = Omit<ClientOptions, 'client_id' | 'client_secret'> & {
  client_id?: string;
  confidential?: boolean;
};

export async function createPreregisteredClient(
  ctx: Context,
  input: NewClientInput,
  actor: string,
): Promise<{ client: ClientView; client_secret?: string }> {
  const { confidential, ...rest } = input;
  const secret = confidential ? generateClientSecret() : undefined;
  const candidate: ClientOptions = { ...rest, client_id: input.client_id ?? generateClientId() };
  // With a secret the method defaults to client_secret_basic (config/client-defaults.ts).
  if (secret) candidate.client_secret = secret;
  const parsed = clientSchema.safeParse(candidate);
  if (!parsed.success) throw new OAuthError('invalid_client_metadata', describeIssues(parsed.error));
  const unknown = (parsed.data.resources ?? []).find(
    (r) => !ctx.config.resources.some((c) => c.resource === r),
  );
  if (unknown) throw new OAuthError('invalid_client_metadata', `resources: "${unknown}" is not a resource`);
  const seed = resolveClientSeed(parsed.data as ClientOptions);
  if (seed.clientKeys) seed.clientKeys = requestKeys(ctx, seed.clientKeys);
  const record = clientRecordFromSeed(seed, ctx.now());
  record.metadata = seed.clientKeys
    ? { createdBy: actor, clientKeys: seed.clientKeys }
    : { createdBy: actor };
  try {
    await ctx.store.createClient(record);
  } catch (error) {
    if (error instanceof UniqueViolation)
      throw new OAuthError('invalid_client_metadata', `client_id ${record.client_id} exists`, {
        status: 409,
      });
    throw error;
  }
  await ctx.audit({
    type: 'client.created',
    clientId: record.client_id,
    actor,
    detail: { source: 'preregistered', confidential: Boolean(secret) },
  });
  const client = presentClient(record);
  return secret ? { client, client_secret: secret } : { client };
}

/**
 * Keys that arrive through the admin API or the dashboard: unlike the configuration file's, a jwks_uri
 * here is fetched through the SSRF-safe fetcher, so it must name a public https host (DESIGN.md §4).
 */
function requestKeys(ctx: Context, keys: ClientKeys): ClientKeys {
  const { trusted: _trusted, ...rest } = keys;
  const problem = rest.jwks_uri ? jwksUriProblem(rest.jwks_uri, ctx.config.cimd.allowLoopback) : undefined;
  if (problem) throw new OAuthError('invalid_client_metadata', problem);
  return rest;
}

/** The stored client, or 404 `not_found`: every client operation starts here. */
export async function requireClient(ctx: Context, clientId: string): Promise<ClientRecord> {
  const client = await ctx.store.getClient(clientId);
  if (!client) throw new OAuthError('not_found', `no client ${clientId}`);
  return client;
}

export async function getClient(ctx: Context, clientId: string): Promise<ClientView> {
  return presentClient(await requireClient(ctx, clientId));
}

/** Detail: metadata, key location, the CIMD document and cache state, recent audit events, active grants. */
export async function clientDetail(ctx: Context, clientId: string, events = 20): Promise<ClientDetailView> {
  const client = await requireClient(ctx, clientId);
  const grants = await ctx.store.listGrants({ clientId: client.client_id, activeOnly: true });
  return {
    client: presentClient(client),
    keys: presentClientKeys(client),
    activeGrants: grants.length,
    recentEvents: await recentAuditEvents(ctx, { clientId: client.client_id }, events),
    cimd: cimdView(client),
    cimdCache: cimdState(client) ?? null,
  };
}

function cimdView(client: ClientRecord): CimdView | null {
  const cimd = cimdState(client);
  if (!cimd) return null;
  return {
    fetchedAt: cimd.fetchedAt,
    expiresAt: cimd.expiresAt,
    pinned: Boolean(cimd.pinned),
    document: cimd.document,
    ...(cimd.pending
      ? {
          pending: {
            redirect_uris: cimd.pending.document.redirect_uris ?? [],
            fetchedAt: cimd.pending.fetchedAt,
          },
        }
      : {}),
  };
}

/** One keyset page of clients (filters parsed by queries.ts). */
export async function listClientsPage(
  ctx: Context,
  query: ClientListQuery & { limit: number },
): Promise<{ clients: ClientView[]; next: string | null }> {
  const clients = await ctx.store.listClients(query);
  const next = clients.length === query.limit ? clients[clients.length - 1]!.client_id : null;
  return { clients: clients.map(presentClient), next };
}

async function preregistered(ctx: Context, clientId: string): Promise<ClientRecord> {
  const client = await requireClient(ctx, clientId);
  if (client.source !== 'preregistered')
    throw new OAuthError(
      'invalid_request',
      `only preregistered clients can be changed here (this one is ${client.source})`,
    );
  return client;
}

/**
 * Replaces a confidential client's secret; the old one stops working at once. The new secret is
 * returned once. Refresh tokens keep working (they are bound to the client, not to its secret).
 */
export async function rotateClientSecret(
  ctx: Context,
  clientId: string,
  actor: string,
): Promise<{ client: ClientView; client_secret: string }> {
  const client = await preregistered(ctx, clientId);
  if (client.token_endpoint_auth_method === 'none')
    throw new OAuthError('invalid_request', 'a public client has no secret');
  if (client.token_endpoint_auth_method === 'private_key_jwt')
    throw new OAuthError('invalid_request', 'a private_key_jwt client has keys, not a secret');
  const secret = generateClientSecret();
  const at = ctx.now();
  await ctx.store.updateClient(clientId, { secretHash: hashSecret(secret), updatedAt: at });
  await ctx.audit({ type: 'client.secret_rotated', clientId, actor });
  return {
    client: presentClient({ ...client, secretHash: hashSecret(secret), updatedAt: at }),
    client_secret: secret,
  };
}

export interface ClientEdit {
  redirect_uris?: string[];
  /** Space-separated scopes; null or "" lets the client request any scope of its resources. */
  scope?: string | null;
  client_name?: string | null;
  /** private_key_jwt clients: a new key set or key location (a key rotation). */
  jwks?: unknown;
  jwks_uri?: string;
  token_endpoint_auth_signing_alg?: string | null;
}

/** Edits a preregistered client's redirect URIs, scopes and name; audited with before and after. */
export async function editClient(
  ctx: Context,
  clientId: string,
  edit: ClientEdit,
  actor: string,
): Promise<ClientView> {
  const client = await preregistered(ctx, clientId);
  const patch: Partial<ClientRecord> = {};
  if (edit.redirect_uris !== undefined) {
    const uris = [...new Set(edit.redirect_uris.map((u) => u.trim()).filter(Boolean))];
    for (const uri of uris) {
      const problem = checkRedirectUri(uri, { allowCustomSchemes: true });
      if (problem) throw new OAuthError('invalid_redirect_uri', `redirect_uris: "${uri}" ${problem}`);
    }
    // OAuth 2.1 §2.3.1: a client using the authorization code grant must have a registered redirect URI.
    if (uris.length === 0 && client.grant_types.includes('authorization_code'))
      throw new OAuthError(
        'invalid_redirect_uri',
        'redirect_uris: at least one is required for authorization_code',
      );
    patch.redirect_uris = uris;
  }
  if (edit.scope !== undefined) {
    const scope = edit.scope === null ? '' : edit.scope.trim().replace(/\s+/g, ' ');
    // RFC 6749 §3.3: scope tokens separated by single spaces.
    if (scope && !isScopeString(scope))
      throw new OAuthError('invalid_scope', 'scope: not a valid scope list');
    patch.scope = scope || null;
  }
  if (edit.client_name !== undefined) {
    const raw = edit.client_name ?? '';
    if (raw.length > 200)
      throw new OAuthError('invalid_client_metadata', 'client_name: at most 200 characters');
    // RFC 7591 §5: the same rule as every other place a name enters (src/display-name.ts).
    const problem = displayNameProblem(raw);
    if (problem) throw new OAuthError('invalid_client_metadata', `client_name: ${problem}`);
    patch.client_name = sanitiseDisplayName(raw) || null;
  }
  const keys = editedKeys(ctx, client, edit);
  if (keys) patch.metadata = { ...client.metadata, clientKeys: keys };
  patch.updatedAt = ctx.now();
  await ctx.store.updateClient(clientId, patch);
  // Consent was given for the old redirect URIs and scopes.
  if (patch.redirect_uris || patch.scope !== undefined) await ctx.store.deleteConsents({ clientId });
  await ctx.audit({
    type: 'client.updated',
    clientId,
    actor,
    detail: {
      before: { redirect_uris: client.redirect_uris, scope: client.scope, client_name: client.client_name },
      after: { redirect_uris: patch.redirect_uris, scope: patch.scope, client_name: patch.client_name },
      ...(keys ? { keys: { jwks_uri: keys.jwks_uri ?? null, jwks: keys.jwks !== undefined } } : {}),
    },
  });
  return presentClient({ ...client, ...patch });
}

/** The client's keys after an edit of `jwks`, `jwks_uri` or the signing algorithm; undefined if untouched. */
function editedKeys(ctx: Context, client: ClientRecord, edit: ClientEdit): ClientKeys | undefined {
  if (
    edit.jwks === undefined &&
    edit.jwks_uri === undefined &&
    edit.token_endpoint_auth_signing_alg === undefined
  )
    return undefined;
  const current = clientKeysOf(client);
  if (client.token_endpoint_auth_method !== 'private_key_jwt' || !current)
    throw new OAuthError('invalid_client_metadata', 'only a private_key_jwt client has keys');
  if (edit.jwks !== undefined && edit.jwks_uri !== undefined)
    throw new OAuthError('invalid_client_metadata', 'jwks and jwks_uri must not both be present');
  const problem =
    (edit.jwks !== undefined ? jwksProblem(edit.jwks) : undefined) ??
    (edit.token_endpoint_auth_signing_alg
      ? signingAlgProblem(edit.token_endpoint_auth_signing_alg)
      : undefined);
  if (problem) throw new OAuthError('invalid_client_metadata', problem);
  const next: ClientKeys =
    edit.jwks !== undefined
      ? { jwks: edit.jwks as ClientKeys['jwks'] }
      : edit.jwks_uri !== undefined
        ? requestKeys(ctx, { jwks_uri: edit.jwks_uri })
        : { ...current };
  if (edit.token_endpoint_auth_signing_alg === undefined) {
    if (current.token_endpoint_auth_signing_alg)
      next.token_endpoint_auth_signing_alg = current.token_endpoint_auth_signing_alg;
  } else if (edit.token_endpoint_auth_signing_alg === null) delete next.token_endpoint_auth_signing_alg;
  else next.token_endpoint_auth_signing_alg = edit.token_endpoint_auth_signing_alg;
  return next;
}
