import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import type { ActiveSession } from '../interaction/browser-session.js';
import {
  type AuthorizationCodeRecord,
  type ClientRecord,
  type GrantRecord,
  type TokenEndpointAuthMethod,
  UniqueViolation,
  type UserRecord,
} from '../store/types.js';
import { hashSecret, randomToken } from '../tokens/crypto.js';
import { matchesSecret, mintOpaque, type ParsedOpaque, parseOpaque } from '../tokens/opaque.js';
import { isValidCodeVerifier, s256Challenge, verifyS256 } from '../tokens/pkce.js';
import { canonicalResource, mayIssueFor } from './audience.js';
import { type AuthorizationRequest, buildRedirect } from './authorization-request.js';
import {
  issueAccessToken,
  issueIdToken,
  mintRefreshToken,
  refreshTokenExpiry,
  type TokenResponse,
  tokenResponse,
} from './issue.js';

/**
 * The authorization code: minted at /authorize, bound to client_id, redirect_uri, the PKCE challenge,
 * scope and resource (OAuth 2.1 §4.1.2), redeemed once at /token (§4.1.3).
 */

export function newGrantId(): string {
  return `grt_${randomToken(16)}`;
}

/** Stores a new code and returns the redirect location carrying code, state and iss (RFC 9207 §2). */
export async function issueAuthorizationCode(
  ctx: Context,
  request: AuthorizationRequest,
  active: ActiveSession,
): Promise<string> {
  const credential = mintOpaque('ghc');
  const at = ctx.now();
  await ctx.store.createAuthorizationCode({
    id: credential.id,
    secretHash: credential.secretHash,
    clientId: request.client_id,
    userId: active.user.id,
    grantId: newGrantId(),
    redirectUri: request.redirect_uri,
    redirectUriExplicit: request.redirect_uri_explicit,
    codeChallenge: request.code_challenge ?? null,
    codeChallengeMethod: request.code_challenge_method ?? null,
    scope: request.scope.join(' '),
    resource: request.resource,
    nonce: request.nonce ?? null,
    sessionId: active.session.id,
    authTime: active.session.authTime,
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

function grantOf(
  code: AuthorizationCodeRecord,
  clientId: string,
  at: number,
  clientAuthMethod: TokenEndpointAuthMethod,
): GrantRecord {
  return {
    id: code.grantId,
    userId: code.userId,
    clientId,
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

const invalidGrant = (description: string, detail?: string) =>
  new OAuthError('invalid_grant', description, { detail });

/**
 * grant_type=authorization_code (OAuth 2.1 §4.1.3). `method` is how the client authenticated here; the
 * grant records it, and a refresh of the grant must authenticate at least as strongly (refresh-token.ts).
 */
export async function exchangeAuthorizationCode(
  ctx: Context,
  client: ClientRecord,
  params: Params,
  req: RequestInfo,
  method: TokenEndpointAuthMethod,
): Promise<TokenResponse> {
  const presented = params.get('code');
  if (!presented) throw new OAuthError('invalid_request', '"code" is required');
  const verifier = params.get('code_verifier');
  const redirectUri = params.get('redirect_uri');
  const resources = params.all('resource');

  const parsed = parseOpaque('ghc', presented);
  const quick = parsed
    ? await redeemInOneStep(ctx, client, parsed, { verifier, redirectUri, resources, method }, req)
    : undefined;
  if (quick) return issueTokens(ctx, client, quick.code, quick.user, quick.refreshToken);

  const code = parsed ? await ctx.store.getAuthorizationCode(parsed.id) : undefined;
  // Codes this server did not issue, altered codes and unknown ones look the same: invalid_grant.
  if (!parsed || !code || !matchesSecret(parsed, code.secretHash))
    throw invalidGrant('the authorization code is invalid');
  if (code.clientId !== client.client_id) {
    throw invalidGrant('the authorization code was issued to another client', `code of ${code.clientId}`);
  }
  if (code.expiresAt <= ctx.now()) throw invalidGrant('the authorization code has expired');
  // OAuth 2.1 §10.2: when sent, it must equal the authorization request's (RFC 6749 §4.1.3). An OAuth 2.1
  // client omits it, which is safe when PKCE binds the code; without PKCE (an OAuth 2.0 client) RFC 6749's
  // rule stays: required when the authorization request had it.
  const requiredButMissing = code.redirectUriExplicit && code.codeChallenge === null;
  if (redirectUri !== undefined ? redirectUri !== code.redirectUri : requiredButMissing) {
    throw invalidGrant('"redirect_uri" does not match the authorization request');
  }
  if (code.codeChallenge === null) {
    // RFC 9700 §4.8.2: a verifier without a challenge is a PKCE downgrade attempt.
    if (verifier !== undefined)
      throw new OAuthError('invalid_request', '"code_verifier" was sent but no code_challenge was');
  } else {
    if (verifier === undefined) throw new OAuthError('invalid_request', '"code_verifier" is required');
    if (!isValidCodeVerifier(verifier)) {
      throw new OAuthError(
        'invalid_request',
        '"code_verifier" must be 43-128 unreserved characters (RFC 7636 §4.1)',
      );
    }
    if (!verifyS256(verifier, code.codeChallenge))
      throw invalidGrant('"code_verifier" does not match the code_challenge');
  }
  // RFC 8707 §2.2: the resource, if named again, must be the one authorized.
  if (
    resources.length > 1 ||
    (resources.length === 1 && canonicalResource(resources[0]!) !== canonicalResource(code.resource))
  ) {
    throw new OAuthError('invalid_target', 'the requested resource was not part of this authorization');
  }

  // Only now, with a fully valid request, is the code spent (OAuth 2.1 §4.1.3, §7.5.2): consuming it,
  // creating the grant and its refresh token and recording the issuance are one transaction.
  const at = ctx.now();
  const refresh = client.grant_types.includes('refresh_token')
    ? mintRefreshToken(ctx, {
        grantId: code.grantId,
        clientId: client.client_id,
        scope: code.scope,
        resource: code.resource,
      })
    : undefined;
  const redeemed = await unlessReplayed(
    ctx.store.redeemAuthorizationCode({
      id: code.id,
      at,
      grant: grantOf(code, client.client_id, at, method),
      refreshToken: refresh?.record,
      audit: { ip: req.ip, userAgent: req.userAgent },
    }),
  );
  if (redeemed.status === 'already_consumed') {
    // A second valid redemption: someone else holds this code. Revoke what the first one issued
    // (OAuth 2.1 §4.1.3). Creating the grant here, already revoked, covers a first redemption whose
    // user turned out inactive (no grant); otherwise the grant exists and is revoked.
    try {
      await ctx.store.createGrant({
        ...grantOf(code, client.client_id, at, method),
        revokedAt: at,
        revokedReason: 'authorization code replayed',
      });
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      await ctx.store.revokeGrant(code.grantId, at, 'authorization code replayed');
    }
    await ctx.audit(
      {
        type: 'token.code_replayed',
        clientId: client.client_id,
        userId: code.userId,
        detail: { grantId: code.grantId },
      },
      req,
    );
    throw invalidGrant('the authorization code has already been used');
  }
  if (redeemed.status === 'missing') throw invalidGrant('the authorization code is invalid');
  if (redeemed.status === 'user_inactive') throw invalidGrant('the user account is no longer active');
  return issueTokens(ctx, client, code, redeemed.user, refresh?.value);
}

/**
 * The common case in one round trip: a PKCE-bound code redeemed by its client with a well-formed
 * verifier. The store consumes the code only if every check of the full path holds (secret, client,
 * expiry, S256 challenge, redirect_uri and resource when sent; the secret's hash is compared in SQL,
 * which reveals nothing useful about a 256-bit secret). When anything does not match, nothing is written
 * and the full path below runs the checks one by one to give the precise error.
 */
async function redeemInOneStep(
  ctx: Context,
  client: ClientRecord,
  parsed: ParsedOpaque,
  sent: {
    verifier: string | undefined;
    redirectUri: string | undefined;
    resources: string[];
    method: TokenEndpointAuthMethod;
  },
  req: RequestInfo,
): Promise<{ code: AuthorizationCodeRecord; user: UserRecord; refreshToken?: string } | undefined> {
  const { verifier, redirectUri, resources, method } = sent;
  if (verifier === undefined || !isValidCodeVerifier(verifier) || resources.length > 1) return undefined;
  const at = ctx.now();
  const refresh = client.grant_types.includes('refresh_token') ? mintOpaque('ghr') : undefined;
  const result = await unlessReplayed(
    ctx.store.redeemMatchingCode({
      id: parsed.id,
      at,
      expect: {
        secretHash: hashSecret(parsed.secret),
        clientId: client.client_id,
        codeChallenge: s256Challenge(verifier),
        redirectUri,
        resource: resources[0],
      },
      refreshToken: refresh && {
        id: refresh.id,
        secretHash: refresh.secretHash,
        expiresAt: refreshTokenExpiry(ctx, at),
      },
      audit: { ip: req.ip, userAgent: req.userAgent },
      clientAuthMethod: method,
    }),
  );
  if (!result) return undefined;
  if (!result.user) throw invalidGrant('the user account is no longer active');
  return { code: result.code, user: result.user, refreshToken: refresh?.value };
}

/** A redemption's grant exists already: a concurrent replay got there first and recorded it revoked. */
async function unlessReplayed<T>(redemption: Promise<T>): Promise<T> {
  try {
    return await redemption;
  } catch (error) {
    if (error instanceof UniqueViolation) throw invalidGrant('the authorization code has already been used');
    throw error;
  }
}

/** The token response of a redeemed code: access token, refresh token, and an ID token for openid. */
async function issueTokens(
  ctx: Context,
  client: ClientRecord,
  code: AuthorizationCodeRecord,
  user: UserRecord,
  refreshToken: string | undefined,
): Promise<TokenResponse> {
  // A code minted for a resource no user may delegate (the admin API; only a code from before that
  // rule could name it): its grant, created by the redemption, is revoked and nothing is issued.
  if (!mayIssueFor(ctx.config, code.resource, 'user')) {
    await ctx.store.revokeGrant(code.grantId, ctx.now(), 'resource not delegable by a user');
    throw invalidGrant('the authorization code was issued for a resource no user may delegate');
  }
  const scope = code.scope.split(' ').filter(Boolean);
  // Both tokens are signed at once (WebCrypto runs the signatures on the thread pool).
  const [access, idToken] = await Promise.all([
    issueAccessToken(ctx, {
      sub: code.userId,
      clientId: client.client_id,
      resource: code.resource,
      scope,
      grantId: code.grantId,
      authTime: code.authTime,
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
