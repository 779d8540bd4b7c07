import { isScopeToken } from '../scope-token.js';
import { ResourceConfigError } from './errors.js';

/**
 * Options of a protected resource (an MCP server or API that accepts Gatehouse access tokens).
 * Resolved once by `resolveResourceOptions`; a bad value fails at start-up with a message naming it.
 */
export interface ProtectedResourceOptions {
  /**
   * The authorization server's issuer identifier, exactly as it configures it. Tokens must carry it
   * byte for byte as `iss` (RFC 9068 §4), and it is the one entry of `authorization_servers`.
   */
  issuer: string;
  /**
   * This resource's identifier, exactly as the authorization server's resource configuration spells
   * it: the URL clients call (e.g. `https://mcp.example.com/mcp`). Used verbatim as the metadata's
   * `resource` and as the required `aud`; never normalised (no trailing slash is ever added).
   * @see RFC 9728 §3.3, RFC 8707 §2
   */
  resource: string;
  /** Scopes this resource understands; published as `scopes_supported` (RFC 9728 §2). */
  scopesSupported?: string[];
  /**
   * Scopes named in a 401 challenge sent to a request without a token, so that a client asks for them
   * in its first authorization (MCP "Scope Selection Strategy"). The operation's own scopes are added.
   * @default scopesSupported
   */
  challengeScopes?: string[];
  /**
   * Scope implications: `{ 'todos.write': ['todos.read'] }` means a token with `todos.write` may do
   * whatever needs `todos.read`. Applied transitively. @see MCP "Step-Up Authorization Flow"
   * @default {}
   */
  scopeHierarchy?: Record<string, string[]>;
  /** Human-readable name, published as `resource_name` (RFC 9728 §2). */
  resourceName?: string;
  /** `resource_documentation` (RFC 9728 §2): a page about the resource for developers. */
  resourceDocumentation?: string;
  /**
   * JWS algorithms accepted on access tokens. `none` and the HMAC algorithms are never accepted:
   * a resource server holds no shared secret with the authorization server.
   * @default ['ES256', 'RS256', 'EdDSA']
   */
  algorithms?: string[];
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. @default 30 */
  clockTolerance?: number;
  /**
   * The issuer's JWKS URL. When omitted it is read from the authorization server's RFC 8414 metadata
   * (`jwks_uri`), whose `issuer` must equal `issuer`.
   */
  jwksUri?: string;
  /**
   * After fetching the key set, how long (seconds) before a token with an unknown `kid` may cause
   * another fetch. Bounds what a flood of forged `kid`s can cost the issuer. @default 30
   */
  jwksCooldown?: number;
  /** How long (seconds) a fetched key set is used before it is fetched again. @default 600 */
  jwksMaxAge?: number;
  /**
   * RFC 7662 introspection instead of local JWT validation, for resources that must see a revoked
   * token refused at once. The client must be a confidential client of the authorization server that
   * is allowed to introspect this resource's tokens.
   */
  introspection?: IntrospectionOptions;
  /**
   * DPoP-bound tokens (RFC 9449 §7): how old a proof may be (seconds, beyond `clockTolerance`) and
   * how many proofs the in-memory replay cache of this instance remembers. @default { proofMaxAge: 60, replayCacheSize: 100000 }
   */
  dpop?: { proofMaxAge?: number; replayCacheSize?: number; nonce?: DpopNonceOptions };
  /** `fetch` used for metadata, JWKS and introspection. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. For tests. @default Date.now */
  clock?: () => number;
}

/**
 * Server-provided DPoP nonces (RFC 9449 §9): every proof must carry a nonce this resource handed out,
 * or the request gets 401 `DPoP error="use_dpop_nonce"` with a `DPoP-Nonce` header to retry with.
 * `true` uses a random secret of this process (one instance only); give the same `secret` (at least
 * 32 characters) to every instance of the resource server so that they accept each other's nonces.
 * `lifetime` (seconds): how long a nonce stays current; the previous one is accepted too. @default 300
 */
export type DpopNonceOptions = true | { secret: string; lifetime?: number };

export interface IntrospectionOptions {
  clientId: string;
  clientSecret: string;
  /** @default the `introspection_endpoint` of the authorization server's metadata */
  endpoint?: string;
  /**
   * How long an active answer is reused, in seconds; never beyond the token's `exp`. 0 disables the
   * cache, so every request is checked with the authorization server. @default 30
   */
  cacheTtl?: number;
}

/** The fully-defaulted options: handlers read them and never write `?? default`. */
export interface ResolvedResourceOptions {
  issuer: string;
  resource: string;
  scopesSupported: string[];
  challengeScopes: string[];
  scopeHierarchy: Record<string, string[]>;
  resourceName: string | null;
  resourceDocumentation: string | null;
  algorithms: string[];
  clockTolerance: number;
  jwksUri: string | null;
  jwksCooldown: number;
  jwksMaxAge: number;
  introspection: (Required<Omit<IntrospectionOptions, 'endpoint'>> & { endpoint: string | null }) | null;
  dpop: {
    proofMaxAge: number;
    replayCacheSize: number;
    nonce: { secret: Uint8Array; lifetime: number } | null;
  };
  fetch: typeof fetch;
  clock: () => number;
}

const DEFAULT_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'];
/**
 * Asymmetric JWS algorithms only: never `none`, never HS* (a public key used as an HMAC secret:
 * RFC 8725 §3.1, §2.1). The server's client-assertion check uses the same list (tokens/client-assertion.ts).
 */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
const ALLOWED_ALGORITHMS = new Set<string>(ASYMMETRIC_ALGORITHMS);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

function fail(field: string, message: string): never {
  throw new ResourceConfigError(`${field}: ${message}`);
}

/** An absolute https URL (http on loopback, for development), with no fragment. */
function assertHttpUrl(
  field: string,
  value: unknown,
  extra: { query?: boolean; trailingSlash?: boolean } = {},
): string {
  if (typeof value !== 'string' || value === '') fail(field, 'must be a non-empty string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(field, `must be an absolute URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    fail(field, 'must use https (http is allowed only on loopback)');
  }
  if (value.includes('#')) fail(field, 'must not contain a fragment');
  if (url.username || url.password) fail(field, 'must not contain userinfo');
  if (extra.query === false && value.includes('?')) fail(field, 'must not contain a query');
  if (extra.trailingSlash === false && value.endsWith('/')) fail(field, 'must not end with "/"');
  return value;
}

function assertScopes(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(field, 'must be an array of scope strings');
  value.forEach((scope, i) => {
    if (typeof scope !== 'string' || !isScopeToken(scope))
      fail(`${field}[${i}]`, 'must be a scope token (RFC 6749 §3.3)');
  });
  return [...new Set(value as string[])];
}

function assertSeconds(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    fail(field, `must be a number of seconds between 0 and ${max}`);
  }
  return value;
}

function resolveHierarchy(value: unknown): Record<string, string[]> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('scopeHierarchy', 'must be an object');
  const out: Record<string, string[]> = {};
  for (const [scope, implied] of Object.entries(value)) {
    if (!isScopeToken(scope)) fail(`scopeHierarchy.${scope}`, 'must be keyed by scope tokens');
    out[scope] = assertScopes(`scopeHierarchy.${scope}`, implied);
  }
  return out;
}

function resolveAlgorithms(value: unknown): string[] {
  if (value === undefined) return DEFAULT_ALGORITHMS;
  if (!Array.isArray(value) || value.length === 0) fail('algorithms', 'must be a non-empty array');
  for (const alg of value) {
    // RFC 8725 §3.1, §3.2: never `none`, and never a symmetric algorithm the key set could be fed to.
    if (typeof alg !== 'string' || !ALLOWED_ALGORITHMS.has(alg))
      fail('algorithms', `"${String(alg)}" is not an allowed asymmetric JWS algorithm`);
  }
  return [...(value as string[])];
}

function resolveCacheSize(value: unknown): number {
  if (value === undefined) return 100_000;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000_000)
    fail('dpop.replayCacheSize', 'must be a whole number between 1 and 10000000');
  return value;
}

function resolveNonce(value: unknown): { secret: Uint8Array; lifetime: number } | null {
  if (value === undefined || value === false) return null;
  if (value === true) return { secret: crypto.getRandomValues(new Uint8Array(32)), lifetime: 300 };
  if (typeof value !== 'object' || value === null) fail('dpop.nonce', 'must be true or { secret, lifetime }');
  const { secret, lifetime } = value as { secret?: unknown; lifetime?: unknown };
  if (typeof secret !== 'string' || secret.length < 32)
    fail('dpop.nonce.secret', 'must be a string of at least 32 characters');
  const seconds = lifetime === undefined ? 300 : assertSeconds('dpop.nonce.lifetime', lifetime, 86_400);
  if (seconds < 10) fail('dpop.nonce.lifetime', 'must be at least 10 seconds');
  return { secret: new TextEncoder().encode(secret), lifetime: seconds };
}

export function resolveResourceOptions(options: ProtectedResourceOptions): ResolvedResourceOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  const issuer = assertHttpUrl('issuer', options.issuer, { query: false, trailingSlash: false });
  // RFC 8707 §2: a resource identifier SHOULD NOT have a query; refusing one keeps the metadata path exact.
  const resource = assertHttpUrl('resource', options.resource, { query: false });
  const scopesSupported =
    options.scopesSupported === undefined ? [] : assertScopes('scopesSupported', options.scopesSupported);
  const challengeScopes =
    options.challengeScopes === undefined
      ? scopesSupported
      : assertScopes('challengeScopes', options.challengeScopes);
  const introspection = options.introspection;
  if (introspection !== undefined) {
    if (typeof introspection.clientId !== 'string' || introspection.clientId === '')
      fail('introspection.clientId', 'must be a non-empty string');
    if (typeof introspection.clientSecret !== 'string' || introspection.clientSecret === '') {
      fail('introspection.clientSecret', 'must be a non-empty string');
    }
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') fail('fetch', 'must be a function');
  return {
    issuer,
    resource,
    scopesSupported,
    challengeScopes,
    scopeHierarchy: resolveHierarchy(options.scopeHierarchy),
    resourceName: options.resourceName ?? null,
    resourceDocumentation:
      options.resourceDocumentation === undefined
        ? null
        : assertHttpUrl('resourceDocumentation', options.resourceDocumentation),
    algorithms: resolveAlgorithms(options.algorithms),
    clockTolerance:
      options.clockTolerance === undefined
        ? 30
        : assertSeconds('clockTolerance', options.clockTolerance, 300),
    jwksUri: options.jwksUri === undefined ? null : assertHttpUrl('jwksUri', options.jwksUri),
    jwksCooldown:
      options.jwksCooldown === undefined ? 30 : assertSeconds('jwksCooldown', options.jwksCooldown, 3600),
    jwksMaxAge:
      options.jwksMaxAge === undefined ? 600 : assertSeconds('jwksMaxAge', options.jwksMaxAge, 86400),
    introspection: introspection
      ? {
          clientId: introspection.clientId,
          clientSecret: introspection.clientSecret,
          endpoint:
            introspection.endpoint === undefined
              ? null
              : assertHttpUrl('introspection.endpoint', introspection.endpoint),
          cacheTtl:
            introspection.cacheTtl === undefined
              ? 30
              : assertSeconds('introspection.cacheTtl', introspection.cacheTtl, 3600),
        }
      : null,
    dpop: {
      proofMaxAge:
        options.dpop?.proofMaxAge === undefined
          ? 60
          : assertSeconds('dpop.proofMaxAge', options.dpop.proofMaxAge, 600),
      replayCacheSize: resolveCacheSize(options.dpop?.replayCacheSize),
      nonce: resolveNonce(options.dpop?.nonce),
    },
    fetch: fetchImpl,
    clock: options.clock ?? Date.now,
  };
}
