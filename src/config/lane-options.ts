/**
 * The options of the two open client lanes, CIMD and DCR (docs/cimd.md, docs/dcr.md): their types and
 * the policy hooks' inputs, beside their documentation (re-exported by ./options.ts).
 */

/** What a CIMD policy hook sees: the validated document and where the request came from. */
export interface CimdPolicyInput {
  clientId: string;
  host: string;
  metadata: Record<string, unknown>;
  ip: string | null;
}

/** Client ID Metadata Documents: URL client_ids whose metadata is fetched. @see docs/cimd.md */
export interface CimdOptions {
  /** @default false — true with `compatibility` */
  enabled?: boolean;
  /** Hosts whose documents are accepted; empty means any public host. @default [] */
  trustedHosts?: string[];
  /** Development only: let the fetcher reach loopback addresses (and accept loopback hosts). @default false */
  allowLoopback?: boolean;
  /** Largest document accepted, counted after decompression. @default 5120 */
  maxDocumentBytes?: number;
  /** Total time for one fetch. @default 3000 */
  timeoutMs?: number;
  /** Cache lifetime bounds (seconds) around what the document's HTTP headers say. @default 30 and 86400 */
  minTtl?: number;
  maxTtl?: number;
  /** Fetches in flight at once on this instance, across all clients. @default 16 */
  maxConcurrentFetches?: number;
  /** Fetches in flight at once that one client IP (an IPv6 /64) has caused. @default 4 */
  maxConcurrentFetchesPerIp?: number;
  /** First fetches of unknown client_ids per document host per minute. @default 30 */
  fetchesPerHostPerMinute?: number;
  /** Refreshes of known (expired) documents per document host per minute: a budget of its own. @default 60 */
  refreshesPerHostPerMinute?: number;
  /** First fetches of unknown client_ids one client IP (an IPv6 /64) may cause per minute. @default 20 */
  fetchesPerIpPerMinute?: number;
  /**
   * Seconds past expiry a previously validated document is still served while its refresh is
   * throttled or fails with a transient error (RFC 5861 §4 stale-if-error); 0 turns this off.
   * @default 86400
   */
  staleIfError?: number;
  /**
   * Cached CIMD clients neither used at the token endpoint nor refreshed for this long (days) are
   * deleted by housekeeping, unless disabled, pinned or holding a live grant. @default 30
   */
  staleAfterDays?: number;
  /**
   * Cache lifetime (seconds) of a document, or of a client's `jwks_uri` key set, whose HTTP headers
   * say nothing about freshness; clamped to `minTtl`…`maxTtl` like any other. @default 300
   */
  defaultTtl?: number;
  /**
   * Seconds before a client's `jwks_uri` may be fetched again because an assertion named a `kid` the
   * cached key set lacks (a key rotation): a flood of random `kid`s costs one fetch per this. @default 60
   */
  jwksCooldown?: number;
  /** Runs after the document is validated; a denial is shown to the user with the reason. */
  policy?: (input: CimdPolicyInput) => PolicyDecision | Promise<PolicyDecision>;
  /** Replaces the SSRF-safe fetcher (tests). Receives the URL and request headers; returns a web Response. */
  fetch?: (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;
}

/** What a DCR policy hook sees: the validated registration and where it came from. */
export interface DcrPolicyInput {
  metadata: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

export type PolicyDecision = { allow: true } | { allow: false; reason: string };

/** Dynamic Client Registration (RFC 7591): off by default, public clients only. @see docs/dcr.md */
export interface DcrOptions {
  /** @default false — true with `compatibility` */
  enabled?: boolean;
  /**
   * Registrations per client IP (an IPv6 /64) per window; at most a quarter of
   * `maxRegistrationsGlobal`. Identical re-registrations do not count.
   * @default 25, or a quarter of `maxRegistrationsGlobal` when that is less
   */
  maxRegistrationsPerWindow?: number;
  /** Registrations from everyone per window: a ceiling against distributed floods. @default 1000 */
  maxRegistrationsGlobal?: number;
  /** @default 3600 */
  windowSeconds?: number;
  /** Registered clients unused this long are deleted with their grants. @default 30 */
  staleAfterDays?: number;
  /**
   * Private-use redirect URI schemes (RFC 8252 §7.1) a registration may use, by name (e.g. "cursor").
   * Never `http`, `https` or a scheme refused everywhere (`javascript`, `data`, `file`, …).
   * @default [] — or KNOWN_CLIENT_SCHEMES (cursor, vscode, vscode-insiders, windsurf) with `compatibility`
   */
  allowedCustomSchemes?: string[];
  /** Runs after validation; a denial is a 400 invalid_client_metadata with the reason. */
  policy?: (input: DcrPolicyInput) => PolicyDecision | Promise<PolicyDecision>;
}
