/**
 * One upstream OpenID provider as openid-client sees it: discovered from its issuer (OIDC Discovery
 * §4; openid-client refuses metadata whose `issuer` is not the configured one, §4.3), with the
 * connection's client authentication. Discovery is lazy (a provider that is down does not stop
 * Gatehouse from starting) and cached per connection for an hour; a failure is not cached.
 *
 * openid-client (v6, built on oauth4webapi) is the maintained, certified relying-party library of the
 * same author as oidc-provider; it does the protocol checks (state, RFC 9207 `iss`, PKCE, nonce, ID
 * token `iss`/`aud`/`azp`/`exp`/`iat`) and, with enableNonRepudiationChecks, verifies the ID token's
 * signature against the provider's JWKS, which Gatehouse requires (callback.ts).
 */
import { importJWK } from 'jose';
import type { ClientAuth, Configuration } from 'openid-client';
import type { ResolvedOidcConnection } from '../config/connections.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { openidClient } from './libraries.js';

const DISCOVERY_TTL_MS = 3_600_000;
/** Every request to the provider (discovery, token, JWKS) gives up after this. */
const REQUEST_TIMEOUT_S = 10;

interface Cached {
  config: Configuration;
  at: number;
}

const cache = new WeakMap<ResolvedOidcConnection, Cached>();
const pending = new WeakMap<ResolvedOidcConnection, Promise<Configuration>>();

async function clientAuth(c: ResolvedOidcConnection): Promise<ClientAuth> {
  const oidc = await openidClient();
  if (c.authMethod === 'client_secret_post') return oidc.ClientSecretPost(c.clientSecret);
  if (c.authMethod === 'client_secret_basic') return oidc.ClientSecretBasic(c.clientSecret);
  const jwk = { ...c.privateKey } as Record<string, unknown>;
  const alg = typeof jwk['alg'] === 'string' ? jwk['alg'] : jwk['kty'] === 'EC' ? 'ES256' : 'RS256';
  const key = (await importJWK(jwk, alg)) as CryptoKey;
  const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined;
  return oidc.PrivateKeyJwt(kid ? { key, kid } : key);
}

async function discover(c: ResolvedOidcConnection): Promise<Configuration> {
  const oidc = await openidClient();
  const insecure = c.allowLoopback && c.issuer.startsWith('http:');
  const execute = [oidc.enableNonRepudiationChecks];
  if (insecure) execute.push(oidc.allowInsecureRequests);
  return oidc.discovery(
    new URL(c.issuer),
    c.clientId,
    { [oidc.clockTolerance]: c.clockToleranceS },
    await clientAuth(c),
    { execute, timeout: REQUEST_TIMEOUT_S },
  );
}

/** The provider's configuration, discovered or cached; a provider that cannot be reached is a 503 page. */
export async function providerConfig(ctx: Context, c: ResolvedOidcConnection): Promise<Configuration> {
  const hit = cache.get(c);
  if (hit && ctx.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
  let inFlight = pending.get(c);
  if (!inFlight) {
    inFlight = discover(c).finally(() => pending.delete(c));
    pending.set(c, inFlight);
  }
  try {
    const config = await inFlight;
    cache.set(c, { config, at: ctx.now() });
    return config;
  } catch (error) {
    throw new OAuthError(
      'temporarily_unavailable',
      `${c.name} cannot be reached right now. Try again in a moment, or sign in another way.`,
      { detail: `discovery of ${c.issuer} failed: ${(error as Error).message}` },
    );
  }
}
