import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { AccessToken, TokenVerifier } from './access-token.js';
import { accessTokenFromClaims } from './claims.js';
import { isCanonicalCompactJws } from './compact.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import { BearerError } from './errors.js';
import type { ResolvedResourceOptions } from './options.js';

/**
 * Local validation of RFC 9068 JWT access tokens, in the order of RFC 9068 §4:
 * 1. `typ` is `at+jwt` or `application/at+jwt` (§4 step 1; jose compares without the prefix);
 * 2. `iss` equals the configured issuer exactly (§4 step 2);
 * 3. `aud` contains this resource's identifier exactly (§4 step 3; MCP "Token Handling");
 * 4. the signature verifies with a key from that issuer's `jwks_uri`, under an algorithm allow-list
 *    that never includes `none` or HMAC (§4 step 4, RFC 8725 §3.1). Only the key set is consulted:
 *    `jku`, `x5u`, `jwk` and `x5c` headers are ignored, so a token cannot bring its own key;
 * 5. `exp`, `nbf` and `iat` hold, within `clockTolerance` (§4 step 5);
 * plus the claims §2.2 makes REQUIRED. Scopes are checked per operation, elsewhere.
 *
 * The key set is fetched on first use, cached, re-fetched when a token names an unknown `kid` (key
 * rotation publishes the next key first), and never re-fetched more than once per cooldown, so a
 * flood of tokens with made-up `kid`s cannot turn into a flood of requests to the issuer.
 */

const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

const invalid = (description: string, detail: string, cause?: unknown) =>
  new BearerError('invalid_token', description, { detail, cause });

/** The key set of the issuer, located through `jwksUri` or the issuer's metadata. */
export function createKeySet(
  config: ResolvedResourceOptions,
  discover: () => Promise<AuthorizationServerMetadata>,
): JWTVerifyGetKey {
  let keySet: JWTVerifyGetKey | undefined;
  const open = async (): Promise<JWTVerifyGetKey> => {
    const uri = config.jwksUri ?? (await discover()).jwks_uri;
    if (typeof uri !== 'string') throw new Error(`the metadata of ${config.issuer} has no jwks_uri`);
    return createRemoteJWKSet(new URL(uri), {
      cooldownDuration: config.jwksCooldown * 1000,
      cacheMaxAge: config.jwksMaxAge * 1000,
      timeoutDuration: 5_000,
      [customFetch]: (url, options) => config.fetch(url, options),
    });
  };
  return async (header, token) => {
    keySet ??= await open();
    return keySet(header, token);
  };
}

/** Maps a jose failure to the description a client sees; anything that is not a token problem rethrows. */
function toBearerError(error: unknown): BearerError {
  if (error instanceof errors.JWTExpired)
    return invalid('The access token has expired.', error.message, error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const descriptions: Record<string, string> = {
      aud: 'The access token was not issued for this resource.',
      iss: 'The access token was not issued by the expected authorization server.',
      nbf: 'The access token is not valid yet.',
      typ: 'The token is not an access token.',
    };
    return invalid(
      descriptions[error.claim] ?? 'The access token is invalid.',
      `${error.claim}: ${error.message}`,
      error,
    );
  }
  // The key set could not be fetched or read: a fault on this side, not the client's token.
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) throw error;
  if (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') throw error;
  if (error instanceof errors.JOSEError)
    return invalid('The access token is invalid.', `${error.code}: ${error.message}`, error);
  throw error;
}

export function createJwtVerifier(config: ResolvedResourceOptions, getKey: JWTVerifyGetKey): TokenVerifier {
  const options = {
    issuer: config.issuer,
    audience: config.resource,
    algorithms: config.algorithms,
    typ: 'at+jwt',
    clockTolerance: config.clockTolerance,
    requiredClaims: REQUIRED_CLAIMS,
  };
  return async (token: string): Promise<AccessToken> => {
    let payload: Record<string, unknown>;
    // One token, one spelling: jose's lenient base64url decoding would accept variants of it.
    if (!isCanonicalCompactJws(token))
      throw invalid('The access token is invalid.', 'not a canonical compact JWS (RFC 7515 §7.1)');
    try {
      ({ payload } = await jwtVerify(token, getKey, { ...options, currentDate: new Date(config.clock()) }));
    } catch (error) {
      throw toBearerError(error);
    }
    const accessToken = accessTokenFromClaims(config, token, payload);
    if (!accessToken)
      throw invalid(
        'The access token is invalid.',
        'sub, client_id or scope is not a string (RFC 9068 §2.2)',
      );
    return accessToken;
  };
}
