import type { Context, RequestInfo } from '../context.js';
import type {
  AuthorizationCodeRecord,
  ClientRecord,
  GrantRecord,
  TokenEndpointAuthMethod,
  UserRecord,
} from '../store/types.js';
import { randomToken } from '../tokens/crypto.js';
import { mintOpaque } from '../tokens/opaque.js';
import { mayIssueFor } from './audience.js';
import { type AuthorizationRequest, buildRedirect } from './authorization-request.js';
import { checkCodeExchange, invalidGrant } from './code-checks.js';
import {
  type GrantExchange,
  issueAccessToken,
  issueIdToken,
  mintRefreshToken,
  type TokenResponse,
  tokenResponse,
} from './issue.js';
import { organizationClaims, rolesOfCode } from './organization-claims.js';
import { replayRefused, revokeReplayedGrant } from './replay.js';

/**
 * The authorization code: minted at /authorize, bound to client_id, redirect_uri, the PKCE challenge,
 * scope and resource (OAuth 2.1 §4.1.2), redeemed once at /token (§4.1.3).
 */

export function newGrantId(): string {
  return `grt_${randomToken(16)}`;
}

/** Who the code is for: the signed-in user and the browser session they signed in with. */
export interface CodeSubject {
  user: { id: string };
  session: { id: string; authTime: number };
}

/** Stores a new code and returns the redirect location carrying code, state and iss (RFC 9207 §2). */
export async function issueAuthorizationCode(
  ctx: Context,
  request: AuthorizationRequest,
  subject: CodeSubject,
): Promise<string> {
  const credential = mintOpaque('ghc');
  const at = ctx.now();
  await ctx.store.createAuthorizationCode({
    id: credential.id,
    secretHash: credential.secretHash,
    clientId: request.client_id,
    userId: subject.user.id,
    grantId: newGrantId(),
    redirectUri: request.redirect_uri,
    redirectUriExplicit: request.redirect_uri_explicit,
    codeChallenge: request.code_challenge ?? null,
    codeChallengeMethod: request.code_challenge_method ?? null,
    scope: request.scope.join(' '),
    resource: request.resource,
    nonce: request.nonce ?? null,
    ...(request.dpop_jkt === undefined ? {} : { dpopJkt: request.dpop_jkt }),
    // Settled after sign-in for this user only (interaction/organization.ts).
    ...(request.org?.user === subject.user.id ? { orgId: request.org.id } : {}),
    sessionId: subject.session.id,
    authTime: subject.session.authTime,
    createdAt: at,
    expiresAt: at + ctx.config.tokens.authorizationCodeTtl * 1000,
    consumedAt: null,
  });
  return buildRedirect(request.redirect_uri, {
    code: credential.value,
    state: request.state,
    iss: ctx.config.issuer,
  });
}

/** The grant a code creates: the one place a grant is built (the store writes it as given). */
function grantOf(
  code: AuthorizationCodeRecord,
  at: number,
  clientAuthMethod: TokenEndpointAuthMethod,
  dpopJkt: string | undefined,
): GrantRecord {
  return {
    // RFC 9449 §5: a public client's refresh tokens are bound to the DPoP key of this request.
    ...(dpopJkt !== undefined && clientAuthMethod === 'none' ? { dpopJkt } : {}),
    ...(code.orgId === undefined ? {} : { orgId: code.orgId }),
    id: code.grantId,
    userId: code.userId,
    clientId: code.clientId,
    scope: code.scope,
    resource: code.resource,
    sessionId: code.sessionId,
    authTime: code.authTime,
    createdAt: at,
    revokedAt: null,
    revokedReason: null,
    clientAuthMethod,
  };
}

/**
 * grant_type=authorization_code (OAuth 2.1 §4.1.3): the checks (code-checks.ts), then the code is spent
 * and its grant created in one atomic store call, then the tokens are issued. A code spent before, seen
 * on the row or by losing the race to consume it, is a replay (replay.ts). `method` is how the client
 * authenticated here; the grant records it, and a refresh of the grant must authenticate at least as
 * strongly (refresh-token.ts).
 */
export const exchangeAuthorizationCode: GrantExchange = async (ctx, client, params, req, method) => {
  const code = await checkCodeExchange({ ctx, client, params, dpopJkt: req.dpop?.jkt });
  const at = ctx.now();
  if (code.consumedAt !== null) throw await refuseCodeReplay(ctx, req, code, at);
  // Only now, with a fully valid request, is the code spent (OAuth 2.1 §4.1.3, §7.5.2).
  const refresh = client.grant_types.includes('refresh_token')
    ? mintRefreshToken(ctx, {
        grantId: code.grantId,
        clientId: code.clientId,
        scope: code.scope,
        resource: code.resource,
      })
    : undefined;
  const redeemed = await ctx.store.redeemAuthorizationCode({
    id: code.id,
    at,
    grant: grantOf(code, at, method, req.dpop?.jkt),
    refreshToken: refresh?.record,
    audit: { ip: req.ip, userAgent: req.userAgent },
  });
  if (redeemed.status === 'already_consumed') throw await refuseCodeReplay(ctx, req, code, at);
  if (redeemed.status === 'user_inactive') throw invalidGrant('the user account is no longer active');
  return issueTokens(ctx, client, code, redeemed.user, refresh?.value, req.dpop?.jkt);
};

/** A valid presentation of a spent code: someone else holds it (replay.ts). */
async function refuseCodeReplay(ctx: Context, req: RequestInfo, code: AuthorizationCodeRecord, at: number) {
  await revokeReplayedGrant(ctx.store, 'authorization_code', code.grantId, at);
  return replayRefused(ctx, req, 'authorization_code', {
    clientId: code.clientId,
    userId: code.userId,
    grantId: code.grantId,
  });
}

/** The token response of a redeemed code: access token, refresh token, and an ID token for openid. */
async function issueTokens(
  ctx: Context,
  client: ClientRecord,
  code: AuthorizationCodeRecord,
  user: UserRecord,
  refreshToken: string | undefined,
  jkt: string | undefined,
): Promise<TokenResponse> {
  // A code minted for a resource no user may delegate (the admin API; only a code from before that
  // rule could name it): its grant, created by the redemption, is revoked and nothing is issued.
  if (!mayIssueFor(ctx.config, code.resource, 'user')) {
    await ctx.store.revokeGrant(code.grantId, ctx.now(), 'resource not delegable by a user');
    throw invalidGrant('the authorization code was issued for a resource no user may delegate');
  }
  const scope = code.scope.split(' ').filter(Boolean);
  const roles = await rolesOfCode(ctx, code);
  // Both tokens are signed at once (node:crypto signs on the thread pool, tokens/jwt.ts).
  const [access, idToken] = await Promise.all([
    issueAccessToken(ctx, {
      sub: code.userId,
      clientId: client.client_id,
      resource: code.resource,
      scope,
      grantId: code.grantId,
      authTime: code.authTime,
      jkt,
      ...organizationClaims(code.orgId, roles, scope),
    }),
    scope.includes('openid')
      ? issueIdToken(ctx, {
          sub: code.userId,
          clientId: client.client_id,
          nonce: code.nonce ?? undefined,
          authTime: code.authTime,
          email: scope.includes('email') ? user.email : undefined,
          emailVerified: user.emailVerified,
        })
      : undefined,
  ]);
  const extra: Partial<TokenResponse> = {};
  if (refreshToken) extra.refresh_token = refreshToken;
  if (idToken !== undefined) extra.id_token = idToken;
  return tokenResponse(access, scope, extra);
}
