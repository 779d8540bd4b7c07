/**
 * The options' types, each documented beside its type (editors show it on hover); larger groups have
 * their own file (lane-options.ts, server.ts, connections.ts, enterprise.ts, …).
 */
import type { DestinationStream, Logger } from 'pino';
import type { BrandingOptions } from '../branding/options.js';
import type { ApplicationType, GrantType, TokenEndpointAuthMethod } from '../store/types.js';
import type { AccountOptions } from './accounts.js';
import type { ConnectionOptions } from './connections.js';
import type { DpopOptions } from './dpop.js';
import type { EnterpriseOptions } from './enterprise.js';
import type { HeadlessOptions } from './headless.js';
import type { CimdOptions, DcrOptions } from './lane-options.js';
import type { ObservabilityOptions } from './observability.js';
import type { OrganizationOptions } from './organizations.js';
import type { ServerOptions } from './server.js';
import type { TokenExchangeRule } from './token-exchange.js';

export type {
  CimdOptions,
  CimdPolicyInput,
  DcrOptions,
  DcrPolicyInput,
  PolicyDecision,
} from './lane-options.js';

/** Which client lanes may obtain tokens for a resource. */
export interface LaneOptions {
  /** @default true */
  preregistered?: boolean;
  /** @default true (when CIMD is enabled) */
  cimd?: boolean;
  /** @default true (when DCR is enabled) */
  dcr?: boolean;
}

/** A protected resource (an MCP server or API) tokens can be issued for. @see RFC 8707 */
export interface ResourceOptions {
  /** The resource identifier, used verbatim as the JWT `aud`: absolute URI, no fragment. */
  resource: string;
  /** Human-readable name shown on the consent page. */
  name?: string;
  /** Scopes the resource understands. */
  scopes?: string[];
  /** Scopes granted when a client asks for none. @default every scope in `scopes` */
  default_scopes?: string[];
  /** What each scope lets an application do, shown next to it on the consent page, e.g. `{ "todos.read": "Read your todos" }`. */
  scope_descriptions?: Record<string, string>;
  /** Lanes allowed to obtain tokens for this resource. */
  lanes?: LaneOptions;
}

/** A preregistered client (lane 1). Field names follow RFC 7591 client metadata. */
export interface ClientOptions {
  client_id: string;
  client_name?: string;
  /** Confidential clients only; at least 32 characters. Only its SHA-256 is stored. */
  client_secret?: string;
  /**
   * "private_key_jwt" needs `jwks` or `jwks_uri` (RFC 7523 §2.2).
   * @default "client_secret_basic" with a secret, else "none"
   */
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  /** private_key_jwt: the client's public keys (RFC 7517 JWK Set; no private members). */
  jwks?: { keys: Record<string, unknown>[] };
  /**
   * private_key_jwt: where the client publishes its public keys. Trusted like the rest of this file
   * (it may be a private or loopback host); https unless loopback. Cached per HTTP caching headers.
   */
  jwks_uri?: string;
  /** private_key_jwt: the only algorithm its assertions may use. @default any asymmetric algorithm */
  token_endpoint_auth_signing_alg?: string;
  /** @default ["authorization_code","refresh_token"] with redirect URIs, ["client_credentials"] without */
  grant_types?: GrantType[];
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  /** @default "web" */
  application_type?: ApplicationType;
  /** Space-separated scopes the client may request. @default any scope of the resource */
  scope?: string;
  /** Resources the client may request. @default every configured resource */
  resources?: string[];
  /** Resources whose tokens the client may introspect (RFC 7662); "*" for all. @default none */
  introspect?: string[];
  /** Trusted first-party app: skips the consent page. @default false */
  first_party?: boolean;
  /** Every token request must carry a DPoP proof; tokens are always DPoP-bound (RFC 9449 §5.2). @default false */
  dpop_bound_access_tokens?: boolean;
}

export interface UserSeed {
  email: string;
  password: string;
  admin?: boolean;
  /**
   * The operator vouches that this person controls `email`, so ID tokens say `email_verified: true`
   * (OIDC Core §5.1). Without it the address counts as verified only after a password reset completed
   * through the mailed link.
   * @default false
   */
  email_verified?: boolean;
}

export interface TokenOptions {
  /** Access-token lifetime. @default 3600 */
  accessTokenTtl?: number;
  /** Refresh tokens expire after this much inactivity (seconds). @default 1209600 (14 days) */
  refreshTokenIdleTtl?: number;
  /**
   * A rotated refresh token may be presented again for this long (seconds, 0 – 86400) — a client whose
   * response was lost to a crash or a network failure, concurrent refreshes — and gets the very same
   * successor while that successor is unused. Once the successor is used, presenting it is reuse at any
   * time. @default 600
   */
  refreshTokenGracePeriod?: number;
  /**
   * A grant's refresh tokens stop working this long after the grant was created (seconds), however often
   * they are rotated; then the user signs in again. @default 2592000 (30 days)
   */
  refreshTokenAbsoluteTtl?: number;
  /** Authorization-code lifetime (seconds). @default 60 */
  authorizationCodeTtl?: number;
  /**
   * After a key rotation the previous signing key stays published (JWKS) for `accessTokenTtl` plus this
   * many seconds, so tokens it signed keep verifying until they expire, whatever the clock skew and
   * resource servers' key caches. @default 300
   */
  signingKeyGracePeriod?: number;
}

export interface SessionOptions {
  /** Browser sign-in session lifetime (seconds). @default 604800 (7 days) */
  ttl?: number;
  /**
   * How long a user has, after /authorize, to sign in and consent (seconds): the lifetime of the sealed
   * authorization request the hosted pages carry. @default 1800 (30 minutes)
   */
  interactionTtl?: number;
}

/** Self-service sign-up (`signup: true`) throttling. @see docs/configuration.md */
export interface SignupThrottleOptions {
  /** Accounts one client IP (an IPv6 /64) may create per window; then 429 with Retry-After. @default 20 */
  maxSignupsPerIp?: number;
  /** @default 3600 */
  windowSeconds?: number;
}

/** Sign-in throttling: only failures count, and nobody can lock an account's owner out. @see docs/configuration.md */
export interface LoginThrottleOptions {
  /**
   * Failed sign-ins for one account from one network (IPv4 /24, IPv6 /64) per window; then that
   * network gets 429 for that account, even with the right password. A success resets it. @default 10
   */
  maxFailuresPerAccountNetwork?: number;
  /** Failed sign-ins from one client IP (an IPv6 /64) per window, across accounts. @default 100 */
  maxFailuresPerIp?: number;
  /**
   * Failed sign-ins for one account from all networks per window after which every attempt on it is
   * answered `accountSlowdownMs` later (slowed, never refused). @default 50
   */
  accountSlowdownAfter?: number;
  /** The delay, in milliseconds; 0 turns the slowdown off. @default 1000 */
  accountSlowdownMs?: number;
  /** @deprecated the older name of `maxFailuresPerAccountNetwork` */
  maxFailuresPerAccount?: number;
  /** @deprecated the older name of `maxFailuresPerIp` (which counts failures only) */
  maxAttemptsPerIp?: number;
  /** @default 900 (15 minutes) */
  windowSeconds?: number;
}

export type SigningAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

/**
 * A message for a user (a password reset, an e-mail verification): plain-text and HTML bodies from the
 * templates in src/mail/; `link` is the one URL the message is about.
 */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  link: string;
}

/**
 * The audit log's growth: retention, and how events caused by unauthenticated requests are bounded
 * under flood. @see docs/configuration.md ("Storage bounds")
 */
export interface AuditOptions {
  /** Housekeeping deletes events older than this (days). @default 90 */
  retentionDays?: number;
  /** Housekeeping also keeps at most this many events, the newest; 0 means no count limit. @default 0 */
  maxEvents?: number;
  /** The window over which anonymous events are counted (seconds). @default 3600 */
  floodWindowSeconds?: number;
  /**
   * Events of one type from one client network (an IPv6 /64) per window stored one row each; later
   * ones only add to one aggregate row (count, first and last time). @default 10
   */
  individualPerNetwork?: number;
  /**
   * Events of one type from everyone per window stored one row each (or as a per-network aggregate);
   * later ones only add to one aggregate row for the whole window. @default 200
   */
  individualPerType?: number;
}

/**
 * Unauthenticated requests that were refused (an error page or 4xx from /authorize, sign-in, sign-up,
 * password reset, consent, registration): a client network that collects this many in a window is
 * answered 429 on those routes until the window ends, without any work or per-request storage.
 */
export interface RejectionThrottleOptions {
  /** @default 60 */
  maxRejections?: number;
  /** @default 60 */
  windowSeconds?: number;
}

export interface PasswordResetOptions {
  /** How long a reset link works (seconds). @default 1800 (30 minutes) */
  ttl?: number;
  /** "Forgot password?" requests one client IP (an IPv6 /64) may make per window. @default 20 */
  maxRequestsPerIp?: number;
  /** "Forgot password?" requests for one account per window (beyond them no mail is sent). @default 3 */
  maxRequestsPerAccount?: number;
  /** @default 3600 */
  windowSeconds?: number;
}

/**
 * Everything `createGatehouse` accepts. The JSON config file of the CLI has the same shape.
 * @see docs/configuration.md
 */
export interface GatehouseOptions extends ObservabilityOptions, AccountOptions {
  /** The issuer identifier, used byte for byte: https (http only on loopback), no query or fragment. */
  issuer: string;
  /** Interface the CLI's `serve` binds. @default "127.0.0.1" */
  host?: string;
  /** Port the CLI's `serve` binds. @default the issuer's port */
  port?: number;
  /** The CLI's HTTP server: shutdown deadline, timeouts against slow clients, `--workers` supervision. */
  server?: ServerOptions;
  /** "sqlite:<path>", "sqlite::memory:" or "postgres://…". @default "sqlite:.gatehouse/gatehouse.db" */
  database?: string;
  /** At least 32 characters: derives the key that encrypts signing keys and signs interaction state. */
  secret: string;
  /** Whether the hosted pages offer sign-up. @default false */
  signup?: boolean;
  /**
   * The preset for the MCP clients people use (docs/clients.md): CIMD and DCR on, and DCR accepts the
   * private-use redirect schemes of well-known desktop clients. Changes defaults only: anything set
   * explicitly wins; no safety rule is relaxed. @see src/config/compatibility.ts, docs/configuration.md
   * @default false
   */
  compatibility?: boolean;
  resources?: ResourceOptions[];
  /** The audience when a request names no resource. @default the only resource, if there is one */
  defaultResource?: string;
  clients?: ClientOptions[];
  /** Development seeding: created if missing, never updated. */
  users?: UserSeed[];
  /** Upstream OpenID providers offered on the sign-in page (docs/sign-in.md). @default [] */
  connections?: ConnectionOptions[];
  /** Organizations: `org_id` in tokens, members and roles, home-realm discovery (docs/sign-in.md). @default [] */
  organizations?: OrganizationOptions[];
  /** Product name, logo, colours, stylesheet and templates of the hosted pages (docs/sign-in.md "Branding"). */
  branding?: BrandingOptions;
  /** Your own sign-in UI driving the headless JSON API (docs/headless.md). @default disabled */
  headless?: HeadlessOptions;
  /** Trusted enterprise IdPs whose ID-JAGs the token endpoint accepts (docs/enterprise.md). */
  enterprise?: EnterpriseOptions;
  /** On-behalf-of token exchange (RFC 8693): which resource's tokens become which (docs/enterprise.md). @default [] */
  tokenExchange?: TokenExchangeRule[];
  cimd?: CimdOptions;
  dcr?: DcrOptions;
  tokens?: TokenOptions;
  sessions?: SessionOptions;
  loginThrottle?: LoginThrottleOptions;
  /** @default "ES256" */
  signingAlgorithm?: SigningAlgorithm;
  /** DPoP proofs at the token endpoint (RFC 9449; docs/enterprise.md "DPoP"). */
  dpop?: DpopOptions;
  /**
   * Invalid codes, refresh tokens or client credentials one client IP may present per minute at the
   * token, revocation and introspection endpoints before it is answered 429. @default 100
   */
  maxCredentialFailuresPerMinute?: number;
  /**
   * How long an instance may use a client record it read (seconds). Changes made through this
   * instance apply at once; another instance's change (e.g. a disable) is seen within this time. @default 5
   */
  clientCacheTtl?: number;
  /**
   * How old an instance's copy of the protected resources may get (seconds) before a request triggers
   * a reload in the background. Edits made through this instance apply at once; another instance's
   * edit (dashboard, admin API) is seen within this time plus one database read. @default 5
   */
  resourceCacheTtl?: number;
  /**
   * How long an instance uses the signing keys it read before reading them again (seconds), in the
   * background. A rotation made through another instance is seen within this time. @default 30
   */
  signingKeyCacheTtl?: number;
  /**
   * The JWKS response's `cache-control: public, max-age` (seconds): how long a resource server or HTTP
   * cache may keep the key set. A rotation lets the next key sign only after this, `signingKeyCacheTtl`
   * and `signingKeyClockSkew` have passed since the key was published (docs/operations.md, "Key
   * rotation"). @default 300
   */
  jwksMaxAge?: number;
  /**
   * The clock difference tolerated between instances (and the database round trip of a rotation),
   * seconds: added to the pre-publication window and to a retiring key's lifetime. @default 5
   */
  signingKeyClockSkew?: number;
  /**
   * How often housekeeping runs (seconds): expired rows, audit retention, stale DCR and unused CIMD
   * clients, the rejection throttle's tallies. @default 600 (10 minutes)
   */
  housekeepingInterval?: number;
  /** Retry-After (seconds) of the 503 answered while the database is unavailable. @default 5 */
  databaseRetryAfter?: number;
  /** How long /health/ready waits for its database write before answering 503 (seconds). @default 2 */
  readinessTimeout?: number;
  /** PostgreSQL: how long opening a connection may take before the request is answered 503 (seconds). @default 5 */
  databaseConnectTimeout?: number;
  signupThrottle?: SignupThrottleOptions;
  /** Addresses of reverse proxies whose X-Forwarded-For is trusted for the client IP. @default [] */
  trustedProxies?: string[];
  /**
   * A pino logger, a level name, `{ level, destination }` (JSON lines to that stream), or false to
   * silence. Gatehouse's own loggers censor credential-bearing fields. @default "info" to stdout
   */
  logger?: Logger | string | false | { level?: string; destination: DestinationStream };
  /**
   * Delivers messages to users (password-reset and e-mail verification links). Without it, nobody can
   * be sent a reset or a verification. Links are only ever passed here, never returned over HTTP.
   * `"console"` (development only) prints every mail as one line of JSON
   * `{"mail":{"to","subject","text"}}` on standard output; `"smtp://user:pass@host:587"` (STARTTLS) or
   * `"smtps://…:465"` sends through that relay (nodemailer; `?from=` sets the sender, else no-reply at
   * the issuer's host); a function receives every message.
   * @default none (password resets and e-mail verification are unavailable)
   */
  mailer?: 'console' | `smtp://${string}` | `smtps://${string}` | ((message: MailMessage) => Promise<void>);
  passwordReset?: PasswordResetOptions;
  audit?: AuditOptions;
  rejectionThrottle?: RejectionThrottleOptions;
  /** Milliseconds since the epoch; replace in tests. @default Date.now */
  clock?: () => number;
  /** Run migrations when the instance starts. @default true */
  migrate?: boolean;
}
