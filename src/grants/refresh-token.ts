import { invalidClient } from '../client-auth/authenticate.js';
import type { ResolvedResource } from '../config/resolve.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import type { ClientRecord, RefreshTokenWithGrant, TokenEndpointAuthMethod } from '../store/types.js';
import { matchesSecret, type ParsedOpaque, parseOpaque } from '../tokens/opaque.js';
import {
  allowedScopes,
  canonicalResource,
  resolveResource,
  splitRequestedScope,
  splitScope,
} from './audience.js';
import { type GrantExchange, issueAccessToken, successorRefreshToken, tokenResponse } from './issue.js';
import { notAMember, organizationClaims } from './organization-claims.js';
import { rotateRefreshToken } from './refresh-rotation.js';
import { replayRefused } from './replay.js';

/**
 * grant_type=refresh_token (OAuth 2.1 §4.3), as an ordered list of checks (CHECKS below), then rotation
 * (refresh-rotation.ts: compare-and-swap in the store, then retry / reuse / invalid decided there; reuse
 * is handled by replay.ts). Refresh tokens are bound to their client, their grant's scope and resource,
 * and rotate on every use.
 *
 * Before anything is issued, what may have changed since the grant is checked again (each refusal is
 * invalid_grant, RFC 6749 §5.2): the user is still active, the grant is within its absolute lifetime, the
 * client may still obtain tokens for the grant's resource (its list of resources, the resource's lanes,
 * the issuance rules: audience.ts), and the scopes are still allowed — withdrawn ones are left out of
 * the access token (narrowed) while they stay withdrawn; a grant left with none is refused. A disabled
 * client never gets this far: it fails client authentication (invalid_client).
 */
export const exchangeRefreshToken: GrantExchange = async (ctx, client, params, req, method) => {
  const exchange: RefreshExchange = {
    ctx,
    client,
    params,
    method,
    at: ctx.now(),
    dpopJkt: req.dpop?.jkt,
  };
  for (const check of CHECKS) await check(exchange);
  const { token, grant } = exchange.found!;
  const successor = successorRefreshToken(ctx, exchange.parsed!, {
    grantId: token.grantId,
    clientId: client.client_id,
    // RFC 6749 §6, OAuth 2.1 §4.3.3: a new refresh token has exactly the scope of the one presented.
    scope: token.scope,
    resource: token.resource,
    grantCreatedAt: grant.createdAt,
  });
  const graceMs = ctx.config.tokens.refreshTokenGracePeriod * 1000;
  const verdict = await rotateRefreshToken(ctx.store, token.id, successor.record, exchange.at, graceMs);
  if (verdict.status === 'reused') {
    throw await replayRefused(ctx, req, 'refresh_token', {
      clientId: client.client_id,
      grantId: token.grantId,
    });
  }
  if (verdict.status === 'invalid') throw invalidGrant('the refresh token is expired or revoked');

  // Rotated or retried: the same successor either way; the grant is the one the store returned.
  const scope = exchange.scope!;
  const access = await issueAccessToken(ctx, {
    sub: verdict.grant.userId,
    clientId: client.client_id,
    resource: token.resource,
    scope,
    grantId: verdict.grant.id,
    authTime: verdict.grant.authTime,
    jkt: req.dpop?.jkt,
    // The grant's organization is kept on every refresh; the roles are read with the token (one join).
    ...organizationClaims(verdict.grant.orgId, exchange.found!.orgRoles, scope),
  });
  return tokenResponse(access, scope, { refresh_token: successor.value });
};

interface RefreshExchange {
  ctx: Context;
  client: ClientRecord;
  params: Params;
  method: TokenEndpointAuthMethod;
  at: number;
  /** The key of the request's DPoP proof (RFC 9449), if it carried one. */
  dpopJkt: string | undefined;
  parsed?: ParsedOpaque;
  /** Set by findToken: the presented token, its grant and its user's state. */
  found?: RefreshTokenWithGrant;
  /** Set by checkRequestedScope: what the client asks for (all the token holds when it names none). */
  requested?: string[];
  /** Set by checkResourceStillAllowed. */
  resource?: ResolvedResource;
  /** Set by checkScopesStillAllowed: the access token's scope. */
  scope?: string[];
}

type Check = (exchange: RefreshExchange) => void | Promise<void>;

function invalidGrant(description: string, detail?: string): OAuthError {
  return new OAuthError('invalid_grant', description, detail === undefined ? {} : { detail });
}

/** OAuth 2.1 §4.3.1: `refresh_token` is required. */
const checkTokenPresent: Check = ({ params }) => {
  if (!params.get('refresh_token')) throw new OAuthError('invalid_request', '"refresh_token" is required');
};

/** RFC 6749 §5.2: an unknown, altered or foreign token is invalid_grant (token, grant and user: one read). */
const findToken: Check = async (exchange) => {
  const parsed = parseOpaque('ghr', exchange.params.get('refresh_token')!);
  const found = parsed ? await exchange.ctx.store.getRefreshTokenWithGrant(parsed.id) : undefined;
  if (!parsed || !found || !matchesSecret(parsed, found.token.secretHash)) {
    throw invalidGrant('the refresh token is invalid');
  }
  exchange.parsed = parsed;
  exchange.found = found;
};

/** RFC 6749 §6, OAuth 2.1 §4.3.1: the token is bound to the client it was issued to. */
const checkClient: Check = ({ found, client }) => {
  const { token } = found!;
  if (token.clientId !== client.client_id) {
    throw invalidGrant('the refresh token was issued to another client', `token of ${token.clientId}`);
  }
};

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
const checkAuthMethod: Check = ({ found, method }) => {
  const { grant } = found!;
  const required = grant.clientAuthMethod ?? 'none';
  if (required !== 'none' && method === 'none') {
    throw invalidClient(
      'this grant was issued to an authenticated client: refreshing it requires client authentication',
      `grant ${grant.id} created with ${required}`,
    );
  }
};

/**
 * RFC 9449 §5: a refresh token bound to a DPoP key (a public client's, bound at the code exchange) is
 * refreshed only with a proof of that key. Refused before anything is written: nothing is revoked, and
 * the holder of the key can still refresh.
 */
const checkDpopKey: Check = ({ found, dpopJkt }) => {
  const bound = found!.grant.dpopJkt;
  if (bound === undefined) return;
  if (dpopJkt === undefined) {
    throw new OAuthError(
      'invalid_dpop_proof',
      'this refresh token is DPoP-bound: send a DPoP proof of its key',
    );
  }
  if (dpopJkt !== bound) throw invalidGrant('the refresh token is bound to another DPoP key');
};

/** RFC 8707 §2.2; OAuth 2.1 §3.2.3: the token stays bound to the resource it was granted for. */
const checkRequestedResource: Check = ({ params, found }) => {
  const resources = params.all('resource');
  const bound = found!.token.resource;
  if (
    resources.length > 1 ||
    (resources.length === 1 && canonicalResource(resources[0]!) !== canonicalResource(bound))
  ) {
    throw new OAuthError('invalid_target', 'the refresh token was not granted for the requested resource');
  }
};

/** OAuth 2.1 §4.3.1: the scope may be narrowed, never widened. Nothing asked means what the token holds. */
const checkRequestedScope: Check = (exchange) => {
  const granted = splitScope(exchange.found!.token.scope);
  // offline_access alone asks for nothing more than the token holds (audience.ts OFFLINE_ACCESS).
  const asked = splitRequestedScope(exchange.params.get('scope'));
  const scope = asked.length === 0 ? granted : asked;
  if (!scope.every((s) => granted.includes(s))) {
    throw new OAuthError('invalid_scope', 'the requested scope exceeds what was granted');
  }
  exchange.requested = scope;
};

/** A disabled (or deleted) user's grants issue nothing more, whether or not they were revoked. */
const checkUserActive: Check = ({ found }) => {
  if (!found!.userActive) throw invalidGrant('the user account is no longer active');
};

/** A grant made in an organization issues nothing once the user is no longer its member. */
const checkStillMember: Check = ({ found }) => {
  if (found!.grant.orgId !== undefined && found!.orgRoles === undefined) throw notAMember();
};

/** tokens.refreshTokenAbsoluteTtl, counted from the grant's creation: rotation does not extend it. */
const checkAbsoluteLifetime: Check = ({ ctx, found, at }) => {
  if (at >= found!.grant.createdAt + ctx.config.tokens.refreshTokenAbsoluteTtl * 1000) {
    throw invalidGrant('the grant has reached its maximum lifetime; the user must sign in again');
  }
};

/**
 * The client may still obtain tokens for the grant's resource: the resource still exists, the client
 * still lists it (when it lists any), its lanes still admit the client's lane, and the issuance rules
 * allow it — the same rules as a new authorization (audience.ts `resolveResource`).
 */
const checkResourceStillAllowed: Check = (exchange) => {
  const { ctx, client, found } = exchange;
  try {
    exchange.resource = resolveResource(
      ctx.resources.snapshot(),
      client,
      [found!.token.resource],
      false,
      'user',
    );
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    throw invalidGrant(`the grant's resource is no longer available to this client: ${error.description}`);
  }
};

/**
 * The granted scopes the client may still hold (audience.ts `allowedScopes`): withdrawn ones are left out
 * of the access token (narrowed) rather than failing the refresh, and come back if they are allowed
 * again (the user's consent still covers them); a grant that held scopes and has none left is refused,
 * as is a request whose every scope was withdrawn.
 */
const checkScopesStillAllowed: Check = (exchange) => {
  const granted = splitScope(exchange.found!.token.scope);
  const held = allowedScopes(exchange.resource!, exchange.client, granted);
  if (granted.length > 0 && held.length === 0) {
    throw invalidGrant('none of the granted scopes is allowed for this client any more');
  }
  const requested = exchange.requested!;
  const scope = requested.filter((s) => held.includes(s));
  if (scope.length === 0 && requested.length > 0) {
    throw new OAuthError('invalid_scope', 'the requested scope is no longer allowed for this client');
  }
  exchange.scope = scope;
};

const CHECKS: Check[] = [
  checkTokenPresent,
  findToken,
  checkClient,
  checkAuthMethod,
  checkDpopKey,
  checkRequestedResource,
  checkRequestedScope,
  checkUserActive,
  checkStillMember,
  checkAbsoluteLifetime,
  checkResourceStillAllowed,
  checkScopesStillAllowed,
];
