import { invalidClient } from '../client-auth/authenticate.js';
import type { ResolvedResource } from '../config/resolve.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import type {
  ClientRecord,
  GrantRecord,
  RefreshTokenRecord,
  RefreshTokenWithGrant,
  TokenEndpointAuthMethod,
} from '../store/types.js';
import { matchesSecret, parseOpaque } from '../tokens/opaque.js';
import {
  allowedScopes,
  canonicalResource,
  resolveResource,
  splitRequestedScope,
  splitScope,
} from './audience.js';
import { issueAccessToken, successorRefreshToken, type TokenResponse, tokenResponse } from './issue.js';

/**
 * grant_type=refresh_token (OAuth 2.1 §4.3), as an ordered list of checks. Refresh tokens are bound to
 * their client, their grant's scope and resource, and rotate on every use: the presented token is
 * exchanged for its successor by compare-and-swap in the store.
 *
 * A token has exactly one possible successor, derived from it (issue.ts `successorRefreshToken`), so the
 * family cannot branch. Presenting a rotated token again within the grace window while its successor is
 * still unused is a retry (a lost response, concurrent refreshes) and gets that same successor with a
 * fresh access token; anything else — after the window, or once the successor has been used — is reuse,
 * and revokes the whole grant at once (OAuth 2.1 §4.3.1; RFC 9700 §4.14.2). The FAPI 2.0 Security
 * Profile asks exactly this of rotation: a retry with the previous refresh token must succeed.
 *
 * Before anything is issued, what may have changed since the grant is checked again (each refusal is
 * invalid_grant, RFC 6749 §5.2): the user is still active, the grant is within its absolute lifetime, the
 * client may still obtain tokens for the grant's resource (its list of resources, the resource's lanes,
 * the issuance rules: audience.ts), and the scopes are still allowed — withdrawn ones are left out of
 * the access token (narrowed) while they stay withdrawn; a grant left with none is refused. A disabled
 * client never gets this far: it fails client authentication (invalid_client).
 *
 * `method` is how the client authenticated for this request: it must be at least as strong as the one
 * that created the grant (checkAuthMethod).
 */
export async function exchangeRefreshToken(
  ctx: Context,
  client: ClientRecord,
  params: Params,
  req: RequestInfo,
  method: TokenEndpointAuthMethod,
): Promise<TokenResponse> {
  const presented = params.get('refresh_token');
  if (!presented) throw new OAuthError('invalid_request', '"refresh_token" is required');
  const parsed = parseOpaque('ghr', presented);
  const found = parsed ? await ctx.store.getRefreshTokenWithGrant(parsed.id) : undefined;
  if (!parsed || !found || !matchesSecret(parsed, found.token.secretHash)) {
    throw invalidGrant('the refresh token is invalid');
  }
  const { token, grant } = found;
  checkClient(token, client);
  checkAuthMethod(grant, method);
  checkRequestedResource(params, token);
  const requested = requestedScope(params, token);
  const at = ctx.now();
  checkUserActive(found);
  checkAbsoluteLifetime(ctx, grant, at);
  const resource = checkResourceStillAllowed(ctx, client, token);
  const held = checkScopesStillAllowed(resource, client, token);
  const scope = requested.filter((s) => held.includes(s));
  if (scope.length === 0 && requested.length > 0) {
    throw new OAuthError('invalid_scope', 'the requested scope is no longer allowed for this client');
  }

  const successor = successorRefreshToken(ctx, parsed, {
    grantId: token.grantId,
    clientId: client.client_id,
    // RFC 6749 §6, OAuth 2.1 §4.3.3: a new refresh token has exactly the scope of the one presented.
    scope: token.scope,
    resource: token.resource,
    grantCreatedAt: grant.createdAt,
  });
  const outcome = await ctx.store.rotateRefreshToken(
    token.id,
    successor.record,
    at,
    ctx.config.tokens.refreshTokenGracePeriod * 1000,
  );
  if (outcome.status === 'reused') {
    await ctx.audit(
      { type: 'token.refresh_reused', clientId: client.client_id, detail: { grantId: token.grantId } },
      req,
    );
    throw invalidGrant('the refresh token was already used; the grant has been revoked');
  }
  if (outcome.status === 'invalid') throw invalidGrant('the refresh token is expired or revoked');

  // Rotated or retried: the same successor either way; the grant is the one the store checked.
  const access = await issueAccessToken(ctx, {
    sub: outcome.grant.userId,
    clientId: client.client_id,
    resource: token.resource,
    scope,
    grantId: outcome.grant.id,
    authTime: outcome.grant.authTime,
  });
  return tokenResponse(access, scope, { refresh_token: successor.value });
}

function invalidGrant(description: string, detail?: string): OAuthError {
  return new OAuthError('invalid_grant', description, detail === undefined ? {} : { detail });
}

/** RFC 6749 §6, OAuth 2.1 §4.3.1: the token is bound to the client it was issued to. */
function checkClient(token: RefreshTokenRecord, client: ClientRecord): void {
  if (token.clientId !== client.client_id) {
    throw invalidGrant('the refresh token was issued to another client', `token of ${token.clientId}`);
  }
}

/**
 * A grant created by an authenticated client (private_key_jwt, client_secret_basic/post) is refreshed
 * only by the client authenticating again, with any of those methods: a CIMD document that lists `none`
 * too must not let whoever holds the refresh token refresh without the key (OAuth 2.1 §4.3.1: the
 * server authenticates a confidential client on refresh; RFC 9700 §4.14.2). The request failed to
 * authenticate the client as the grant requires, so this is invalid_client, 401 (RFC 6749 §5.2: "no
 * client authentication included"), refused before anything is written: nothing is revoked, and the
 * holder of the key can still refresh. A grant created with `none`, or from before the method was
 * recorded (unknown), refreshes with any method.
 */
function checkAuthMethod(grant: GrantRecord, method: TokenEndpointAuthMethod): void {
  const required = grant.clientAuthMethod ?? 'none';
  if (required !== 'none' && method === 'none') {
    throw invalidClient(
      'this grant was issued to an authenticated client: refreshing it requires client authentication',
      `grant ${grant.id} created with ${required}`,
    );
  }
}

/** RFC 8707 §2.2; OAuth 2.1 §3.2.3: the token stays bound to the resource it was granted for. */
function checkRequestedResource(params: Params, token: RefreshTokenRecord): void {
  const resources = params.all('resource');
  if (
    resources.length > 1 ||
    (resources.length === 1 && canonicalResource(resources[0]!) !== canonicalResource(token.resource))
  ) {
    throw new OAuthError('invalid_target', 'the refresh token was not granted for the requested resource');
  }
}

/** OAuth 2.1 §4.3.1: the scope may be narrowed, never widened. Nothing asked means what the token holds. */
function requestedScope(params: Params, token: RefreshTokenRecord): string[] {
  const granted = splitScope(token.scope);
  // offline_access alone asks for nothing more than the token holds (audience.ts OFFLINE_ACCESS).
  const asked = splitRequestedScope(params.get('scope'));
  const scope = asked.length === 0 ? granted : asked;
  if (!scope.every((s) => granted.includes(s))) {
    throw new OAuthError('invalid_scope', 'the requested scope exceeds what was granted');
  }
  return scope;
}

/** A disabled (or deleted) user's grants issue nothing more, whether or not they were revoked. */
function checkUserActive(found: RefreshTokenWithGrant): void {
  if (!found.userActive) throw invalidGrant('the user account is no longer active');
}

/** tokens.refreshTokenAbsoluteTtl, counted from the grant's creation: rotation does not extend it. */
function checkAbsoluteLifetime(ctx: Context, grant: GrantRecord, at: number): void {
  if (at >= grant.createdAt + ctx.config.tokens.refreshTokenAbsoluteTtl * 1000) {
    throw invalidGrant('the grant has reached its maximum lifetime; the user must sign in again');
  }
}

/**
 * The client may still obtain tokens for the grant's resource: the resource still exists, the client
 * still lists it (when it lists any), its lanes still admit the client's lane, and the issuance rules
 * allow it — the same rules as a new authorization (audience.ts `resolveResource`).
 */
function checkResourceStillAllowed(
  ctx: Context,
  client: ClientRecord,
  token: RefreshTokenRecord,
): ResolvedResource {
  try {
    return resolveResource(ctx.config, client, [token.resource], false, 'user');
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    throw invalidGrant(`the grant's resource is no longer available to this client: ${error.description}`);
  }
}

/**
 * The granted scopes the client may still hold (audience.ts `allowedScopes`): withdrawn ones are left out
 * of the access token (narrowed) rather than failing the refresh, and come back if they are allowed
 * again (the user's consent still covers them); a grant that held scopes and has none left is refused.
 */
function checkScopesStillAllowed(
  resource: ResolvedResource,
  client: ClientRecord,
  token: RefreshTokenRecord,
): string[] {
  const granted = splitScope(token.scope);
  const held = allowedScopes(resource, client, granted);
  if (granted.length > 0 && held.length === 0) {
    throw invalidGrant('none of the granted scopes is allowed for this client any more');
  }
  return held;
}
