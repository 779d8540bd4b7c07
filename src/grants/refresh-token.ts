import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import type { ClientRecord } from '../store/types.js';
import { matchesSecret, parseOpaque } from '../tokens/opaque.js';
import { canonicalResource, mayIssueFor, splitScope } from './audience.js';
import { issueAccessToken, mintRefreshToken, type TokenResponse, tokenResponse } from './issue.js';

/**
 * grant_type=refresh_token (OAuth 2.1 §4.3). Refresh tokens are bound to their client, their grant's
 * scope and resource, and rotate on every use: the presented token is exchanged for a successor by
 * compare-and-swap in the store. Reuse of a rotated token after the grace window revokes the grant
 * (OAuth 2.1 §4.3.1; RFC 9700 §4.14.2); inside the window concurrent refreshes all succeed in one grant.
 */
export async function exchangeRefreshToken(
  ctx: Context,
  client: ClientRecord,
  params: Params,
  req: RequestInfo,
): Promise<TokenResponse> {
  const presented = params.get('refresh_token');
  if (!presented) throw new OAuthError('invalid_request', '"refresh_token" is required');
  const parsed = parseOpaque('ghr', presented);
  const token = parsed ? await ctx.store.getRefreshToken(parsed.id) : undefined;
  if (!parsed || !token || !matchesSecret(parsed, token.secretHash)) {
    throw new OAuthError('invalid_grant', 'the refresh token is invalid');
  }
  if (token.clientId !== client.client_id) {
    throw new OAuthError('invalid_grant', 'the refresh token was issued to another client', {
      detail: `token of ${token.clientId}`,
    });
  }
  // A refresh continues a user's delegation: never for the admin API (audience.ts `mayIssueFor`).
  if (!mayIssueFor(ctx.config, token.resource, 'user')) {
    throw new OAuthError('invalid_grant', 'the refresh token was issued for a resource no user may delegate');
  }
  // RFC 8707 §2.2; OAuth 2.1 §3.2.3: the token stays bound to the resource it was granted for.
  const resources = params.all('resource');
  if (
    resources.length > 1 ||
    (resources.length === 1 && canonicalResource(resources[0]!) !== canonicalResource(token.resource))
  ) {
    throw new OAuthError('invalid_target', 'the refresh token was not granted for the requested resource');
  }
  // OAuth 2.1 §4.3.1: the scope may be narrowed, never widened; the successor keeps the full scope.
  const granted = splitScope(token.scope);
  const requested = params.get('scope');
  const scope = requested === undefined ? granted : splitScope(requested);
  if (!scope.every((s) => granted.includes(s))) {
    throw new OAuthError('invalid_scope', 'the requested scope exceeds what was granted');
  }

  const successor = mintRefreshToken(ctx, {
    grantId: token.grantId,
    clientId: client.client_id,
    scope: token.scope,
    resource: token.resource,
  });
  const at = ctx.now();
  // The rotation returns the grant (sub, auth_time) it checked, so no second read is needed.
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
    throw new OAuthError('invalid_grant', 'the refresh token was already used; the grant has been revoked');
  }
  if (outcome.status === 'invalid')
    throw new OAuthError('invalid_grant', 'the refresh token is expired or revoked');

  const { grant } = outcome;
  const access = await issueAccessToken(ctx, {
    sub: grant.userId,
    clientId: client.client_id,
    resource: token.resource,
    scope,
    grantId: grant.id,
    authTime: grant.authTime,
  });
  return tokenResponse(access, scope, { refresh_token: successor.value });
}
