import type { Logger } from 'pino';
import type { Auditors } from './audit/writer.js';
import type { BrandingRegistry } from './branding/registry.js';
import type { ResolvedConfig } from './config/resolve.js';
import type { ResourceRegistry } from './config/resource-registry.js';
import type { CookieNames } from './http/cookies.js';
import type { FailureLimiter } from './http/failure-limit.js';
import type { RejectionThrottle } from './http/rejection-throttle.js';
import type { CimdService } from './lanes/cimd/service.js';
import type { Metrics } from './metrics/index.js';
import type { Store } from './store/types.js';
import type { KeyRing } from './tokens/keys.js';

/**
 * Everything a handler needs, built once per Gatehouse instance. Handlers never read globals.
 * `audit` and `auditAnonymous` come from Auditors (src/audit/writer.ts): every field capped, and
 * `auditAnonymous` bounded under flood; use it wherever anyone can trigger the event at will.
 */
export interface Context extends Auditors {
  config: ResolvedConfig;
  store: Store;
  keys: KeyRing;
  log: Logger;
  /** Keys derived from the configured secret, one per purpose. */
  secrets: { state: Buffer; csrf: Buffer; keyEncryption: Buffer; refreshSuccessor: Buffer };
  cookies: CookieNames;
  now(): number;
  /** Refused anonymous requests per client network; over the limit, those routes answer 429. */
  rejections: RejectionThrottle;
  /** Failed credential presentations per client IP (token, revocation, introspection). */
  failures: FailureLimiter;
  /**
   * Run-time state of the protected resources (administrators' edits, shared through the database):
   * read `resources.snapshot()`, never `config.resources`, wherever an edit must count.
   */
  resources: ResourceRegistry;
  /** Product name, logo, colours, stylesheet and templates of the hosted pages (src/branding/). */
  branding: BrandingRegistry;
  /** Counters for Prometheus (src/metrics/): no-ops unless `metrics.enabled`. */
  metrics: Metrics;
  /** The CIMD lane, when enabled. */
  cimd?: CimdService;
}

/** What a handler knows about the HTTP request it serves. */
export interface RequestInfo {
  request: Request;
  url: URL;
  /** The client address: the socket peer, or X-Forwarded-For when the peer is a trusted proxy. */
  ip: string | null;
  userAgent: string | null;
  /**
   * CORS headers every response of this route carries (set by the router for the endpoints browsers
   * call cross-origin). Handlers pass them when they build the response, so the response is created
   * once with all its headers rather than having them added afterwards.
   */
  cors?: Record<string, string>;
  /**
   * Set by the token endpoint when the request carried a valid DPoP proof (RFC 9449; src/endpoints/
   * token-dpop.ts): the key's RFC 7638 thumbprint, which the grant binds its tokens to.
   */
  dpop?: { jkt: string };
}

export type Handler = (ctx: Context, req: RequestInfo) => Promise<Response>;
