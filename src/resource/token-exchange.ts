import { authorizationServerMetadataUrl } from './discovery.js';

/**
 * On-behalf-of calls from an MCP tool handler (RFC 8693; docs/enterprise.md "Token exchange"): the
 * user's verified token for this server is exchanged at the authorization server for a token for a
 * downstream API, and the result is cached until shortly before it expires. The cache key is the
 * SHA-256 of the subject token with the target and the scopes — never the token itself — so an entry
 * is only ever reused for the same user's same token, and the cache holds at most `maxEntries`
 * (least recently used dropped first). Concurrent calls for the same key share one request.
 *
 * The client is this server's own confidential client at Gatehouse: it lists the token-exchange grant
 * type and this server's resource, and a `tokenExchange` rule leads from this resource to the target.
 * No Buffer or node:crypto: `gatehouse/resource` runs on any web-standard runtime.
 */

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenExchangerOptions {
  /** Gatehouse's issuer: the token endpoint is read from its RFC 8414 metadata. */
  issuer: string;
  /** The token endpoint, when it should not be discovered. */
  tokenEndpoint?: string;
  /** This server's client at Gatehouse. */
  clientId: string;
  /** Its secret, sent with client_secret_basic (RFC 6749 §2.3.1). */
  clientSecret: string;
  /** @default 1000 */
  maxEntries?: number;
  /** A cached token is used until this many seconds before it expires. @default 30 */
  expirySkewSeconds?: number;
  /** @default 10000 */
  timeoutMs?: number;
  /** For tests. */
  fetch?: typeof fetch;
  clock?: () => number;
}

/** What to exchange for: the downstream resource (RFC 8707 identifier) and, optionally, fewer scopes. */
export interface ExchangeTarget {
  resource: string;
  scopes?: readonly string[];
}

export interface ExchangedToken {
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  scopes: string[];
  resource: string;
}

/** The authorization server refused the exchange (RFC 8693 §2.2.2), or could not be reached. */
export class TokenExchangeError extends Error {
  constructor(
    readonly error: string,
    readonly description: string | undefined,
    readonly status: number | undefined,
  ) {
    super(`token exchange refused: ${error}${description ? ` (${description})` : ''}`);
    this.name = 'TokenExchangeError';
  }
}

export interface TokenExchanger {
  /**
   * A token for `target` on behalf of the subject token's user. `subject` is the raw token or
   * anything holding it as `token` (the AccessToken a handler sees, or the MCP SDK's `authInfo`).
   */
  exchange(subject: string | { token: string }, target: ExchangeTarget): Promise<ExchangedToken>;
  /** Entries held now (expired ones included until they are looked up or pushed out). */
  readonly size: number;
  clear(): void;
}

export function createTokenExchanger(options: TokenExchangerOptions): TokenExchanger {
  const fetchFn = options.fetch ?? fetch;
  const now = options.clock ?? Date.now;
  const maxEntries = Math.max(1, options.maxEntries ?? 1000);
  const skewMs = (options.expirySkewSeconds ?? 30) * 1000;
  const cache = new Map<string, ExchangedToken>();
  const inFlight = new Map<string, Promise<ExchangedToken>>();
  let endpoint: Promise<string> | undefined = options.tokenEndpoint
    ? Promise.resolve(options.tokenEndpoint)
    : undefined;

  const tokenEndpoint = () => {
    endpoint ??= discoverTokenEndpoint(options.issuer, fetchFn, options.timeoutMs ?? 10_000);
    endpoint.catch(() => {
      endpoint = undefined; // retried on the next call
    });
    return endpoint;
  };

  const request = async (subject: string, target: ExchangeTarget) =>
    requestExchange(options, fetchFn, await tokenEndpoint(), subject, target, now());

  return {
    async exchange(subject, target) {
      const token = typeof subject === 'string' ? subject : subject.token;
      const key = await cacheKey(token, target);
      const hit = cache.get(key);
      if (hit && hit.expiresAt - skewMs > now()) {
        cache.delete(key); // most recently used goes to the end
        cache.set(key, hit);
        return hit;
      }
      cache.delete(key);
      const pending = inFlight.get(key);
      if (pending) return pending;
      const started = request(token, target).finally(() => inFlight.delete(key));
      inFlight.set(key, started);
      const exchanged = await started;
      if (exchanged.expiresAt - skewMs > now()) {
        cache.set(key, exchanged);
        while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      }
      return exchanged;
    },
    get size() {
      return cache.size;
    },
    clear() {
      cache.clear();
    },
  };
}

/** SHA-256 of the subject token, the target and the sorted scopes: no token is kept as a key. */
export async function cacheKey(subject: string, target: ExchangeTarget): Promise<string> {
  const scopes = [...new Set(target.scopes ?? [])].sort().join(' ');
  // JSON keeps the three parts apart whatever characters they hold.
  const text = JSON.stringify([subject, target.resource, scopes]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function discoverTokenEndpoint(
  issuer: string,
  fetchFn: typeof fetch,
  timeoutMs: number,
): Promise<string> {
  const url = authorizationServerMetadataUrl(issuer);
  const response = await fetchFn(url, {
    headers: { accept: 'application/json' },
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200)
    throw new TokenExchangeError('server_error', `metadata answered ${response.status}`, undefined);
  const metadata = (await response.json()) as { issuer?: unknown; token_endpoint?: unknown };
  // RFC 8414 §3.3: the document must name the issuer it was fetched for.
  if (metadata.issuer !== issuer || typeof metadata.token_endpoint !== 'string') {
    throw new TokenExchangeError('server_error', `metadata at ${url} is not ${issuer}'s`, undefined);
  }
  return metadata.token_endpoint;
}

/** One RFC 8693 §2.1 request with client_secret_basic; the §2.2.1 answer, or its §2.2.2 error thrown. */
async function requestExchange(
  options: TokenExchangerOptions,
  fetchFn: typeof fetch,
  endpoint: string,
  subject: string,
  target: ExchangeTarget,
  at: number,
): Promise<ExchangedToken> {
  const body = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: subject,
    subject_token_type: ACCESS_TOKEN_TYPE,
    requested_token_type: ACCESS_TOKEN_TYPE,
    resource: target.resource,
  });
  if (target.scopes?.length) body.set('scope', target.scopes.join(' '));
  const enc = (v: string) => encodeURIComponent(v);
  // RFC 6749 §2.3.1: form-urlencoded id and secret, then Base64 (btoa: the encoded text is ASCII).
  const credentials = btoa(`${enc(options.clientId)}:${enc(options.clientSecret)}`);
  const response = await fetchFn(endpoint, {
    method: 'POST',
    body,
    headers: {
      authorization: `Basic ${credentials}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status !== 200 || typeof json.access_token !== 'string') {
    const error = typeof json.error === 'string' ? json.error : 'server_error';
    const description = typeof json.error_description === 'string' ? json.error_description : undefined;
    throw new TokenExchangeError(error, description, response.status);
  }
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : 0;
  return {
    accessToken: json.access_token,
    expiresAt: at + expiresIn * 1000,
    scopes: typeof json.scope === 'string' ? json.scope.split(' ').filter(Boolean) : [],
    resource: target.resource,
  };
}
