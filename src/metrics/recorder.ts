/**
 * What the rest of Gatehouse tells the metrics (ctx.metrics): a few calls with bounded arguments. Only
 * src/metrics/ knows prom-client; with metrics off every call is an empty function.
 *
 * Hostile inputs never become labels: each argument is looked up in a fixed list here, and anything
 * else is counted as "other", so no client_id, address, path or made-up error code can add a series.
 */
import type { RequestInfo } from '../context.js';
import { OAUTH_ERROR_CODES } from '../errors.js';

/** Every rate limit that can answer 429 (docs/operations.md, "Metrics and alerts"). */
export type Limiter =
  | 'refused_requests'
  | 'credential_failures'
  | 'sign_in'
  | 'sign_up'
  | 'password_reset'
  | 'email_verification'
  | 'registration'
  | 'cimd_fetch';

export const LIMITERS: readonly Limiter[] = [
  'refused_requests',
  'credential_failures',
  'sign_in',
  'sign_up',
  'password_reset',
  'email_verification',
  'registration',
  'cimd_fetch',
];

/**
 * What became of one CIMD document fetch: fetched (200, valid, stored), not_modified (304), failed
 * (unreachable, an error status, an invalid document), refused (the operator's policy hook), stale (a
 * refresh failed transiently and the copy validated before was served), throttled (no fetch was made:
 * a fetch budget or the network's share of fetches in flight was spent).
 */
export type CimdFetchResult = 'fetched' | 'not_modified' | 'failed' | 'refused' | 'stale' | 'throttled';

export const CIMD_RESULTS: readonly CimdFetchResult[] = [
  'fetched',
  'not_modified',
  'failed',
  'refused',
  'stale',
  'throttled',
];

/** The outcomes of POST /register, from the `dcr.*` audit event each one writes. */
export const DCR_RESULTS = ['registered', 'reused', 'rejected', 'rate_limited'] as const;
export type DcrResult = (typeof DCR_RESULTS)[number];

export interface Metrics {
  /** Whether anything is recorded (false: every method is a no-op). */
  readonly enabled: boolean;
  /** A token response was sent: `grant` is the grant_type, `lane` the client's source. */
  tokenIssued(grant: string, lane: string): void;
  /** An OAuthError (or a 500 server_error) was answered for the request to `pathname`. */
  oauthError(pathname: string, error: string): void;
  /** A CIMD document fetch ended so. */
  cimdFetch(result: CimdFetchResult): void;
  /** A registration request ended with the audit event `type` (dcr.registered, dcr.rejected, …). */
  registration(type: string): void;
  /** A request was answered 429 by `limiter`. */
  throttled(limiter: Limiter): void;
  /** GET {metrics.path}: the exposition, or a refusal (./endpoint.ts); absent with metrics off. */
  scrape?: (req: RequestInfo) => Promise<Response>;
}

const noop = () => {};

/** Metrics off: nothing is recorded and nothing is allocated. */
export const NO_METRICS: Metrics = {
  enabled: false,
  tokenIssued: noop,
  oauthError: noop,
  cimdFetch: noop,
  registration: noop,
  throttled: noop,
};

/** grant_type values as labels (the URN grants by a short name); anything else is "other". */
export const GRANT_LABELS: Readonly<Record<string, string>> = {
  authorization_code: 'authorization_code',
  refresh_token: 'refresh_token',
  client_credentials: 'client_credentials',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'jwt_bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange': 'token_exchange',
};

export const LANES = ['preregistered', 'cimd', 'dcr'] as const;

/** The error codes Gatehouse answers (src/errors.ts); anything else is "other". */
export const ERROR_CODES: ReadonlySet<string> = new Set(OAUTH_ERROR_CODES);

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** One of the listed values, or "other". */
export function bounded(value: string, allowed: ReadonlySet<string> | readonly string[]): string {
  const known = Array.isArray(allowed) ? allowed.includes(value) : (allowed as Set<string>).has(value);
  return known ? value : 'other';
}

export const methodLabel = (method: string): string => (METHODS.has(method) ? method : 'other');

export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}
