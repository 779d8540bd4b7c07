import type { AccessToken, TokenVerifier } from './access-token.js';
import { accessTokenFromClaims } from './claims.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import { BearerError } from './errors.js';
import type { ResolvedResourceOptions } from './options.js';

/**
 * Token introspection (RFC 7662) for resources that must refuse a revoked token at once. The
 * resource authenticates as a confidential client (§2.1, client_secret_basic), requires
 * `active: true` (§2.2), and still checks what the answer says about the token: a bearer access
 * token (not a refresh token), from this issuer, for this resource (MCP "Token Handling"), unexpired.
 *
 * Active answers are cached for `cacheTtl` seconds and never past the token's `exp`; inactive ones
 * are not cached, so a token is refused as soon as the authorization server says so. The cache is
 * keyed by the token itself and bounded in size.
 */

const MAX_CACHE_ENTRIES = 10_000;

const inactive = (detail: string) =>
  new BearerError('invalid_token', 'The access token is invalid, expired or revoked.', { detail });

/** RFC 6749 §2.3.1: client_id and secret are form-urlencoded before they are Basic-encoded. */
function basicAuthorization(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`;
}

function audienceIncludes(aud: unknown, resource: string): boolean {
  return aud === resource || (Array.isArray(aud) && aud.includes(resource));
}

/** Checks an introspection answer and turns it into an AccessToken. */
export function readIntrospection(
  config: ResolvedResourceOptions,
  token: string,
  answer: Record<string, unknown>,
): AccessToken {
  const now = config.clock() / 1000;
  const skew = config.clockTolerance;
  if (answer.active !== true) throw inactive('introspection: active is not true');
  const { token_type: type, iss, aud, exp, nbf } = answer;
  // RFC 9449 §6.2: a DPoP-bound token is introspected as token_type DPoP, with its cnf (checked later).
  if (type !== undefined && (typeof type !== 'string' || !['bearer', 'dpop'].includes(type.toLowerCase()))) {
    throw inactive(`introspection: token_type ${String(type)} is not an access token`);
  }
  if (iss !== undefined && iss !== config.issuer) throw inactive(`introspection: iss ${String(iss)}`);
  if (!audienceIncludes(aud, config.resource)) {
    throw new BearerError('invalid_token', 'The access token was not issued for this resource.', {
      detail: `introspection: aud ${JSON.stringify(aud)}`,
    });
  }
  if (typeof exp !== 'number' || exp + skew <= now) throw inactive('introspection: expired or no exp');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf - skew > now))
    throw inactive('introspection: not yet valid');
  const accessToken = accessTokenFromClaims(config, token, answer);
  if (!accessToken) throw inactive('introspection: sub, client_id or scope missing');
  return accessToken;
}

export function createIntrospectionVerifier(
  config: ResolvedResourceOptions,
  discover: () => Promise<AuthorizationServerMetadata>,
): TokenVerifier {
  const settings = config.introspection!;
  const authorization = basicAuthorization(settings.clientId, settings.clientSecret);
  const cache = new Map<string, { result: AccessToken; until: number }>();

  const introspect = async (token: string): Promise<Record<string, unknown>> => {
    const endpoint = settings.endpoint ?? (await discover()).introspection_endpoint;
    if (typeof endpoint !== 'string')
      throw new Error(`the metadata of ${config.issuer} has no introspection_endpoint`);
    const response = await config.fetch(endpoint, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(5_000),
    });
    // Anything but 200 is this resource's problem (bad credentials, an outage), not the token's.
    if (response.status !== 200) throw new Error(`introspection at ${endpoint} answered ${response.status}`);
    const answer = (await response.json()) as Record<string, unknown>;
    if (typeof answer !== 'object' || answer === null)
      throw new Error(`introspection at ${endpoint} did not answer a JSON object`);
    return answer;
  };

  return async (token) => {
    const now = config.clock();
    const hit = cache.get(token);
    if (hit && hit.until > now) return hit.result;
    if (hit) cache.delete(token);
    const result = readIntrospection(config, token, await introspect(token));
    const until = Math.min(now + settings.cacheTtl * 1000, result.expiresAt * 1000);
    if (until > now) {
      if (cache.size >= MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(token, { result, until });
    }
    return result;
  };
}
