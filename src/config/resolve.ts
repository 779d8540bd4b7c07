import type { TracerProvider } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type ResolvedBranding, resolveBranding } from '../branding/config.js';
import { adminResource, canonicalResource, OFFLINE_ACCESS } from '../grants/audience.js';
import type { ClientKeys } from '../lanes/client-keys.js';
import { redactSmtpUrl, SMTP_URL, smtpMailer } from '../mail/smtp.js';
import { endpointUrls } from '../paths.js';
import type { ApplicationType, GrantType, TokenEndpointAuthMethod } from '../store/types.js';
import { type ResolvedAccounts, resolveAccounts } from './accounts.js';
import { resolveClientSeed } from './client-defaults.js';
import { compatibilityDefaults } from './compatibility.js';
import type { ResolvedConnection } from './connections.js';
import { type ResolvedDpop, resolveDpop } from './dpop.js';
import { type ResolvedEnterprise, resolveEnterprise } from './enterprise.js';
import { deepFreeze } from './freeze.js';
import { type ResolvedHeadless, resolveHeadless } from './headless.js';
import { makeLogger } from './logger.js';
import { fullOptionsSchema, metricsPathProblem, type ResolvedMetrics } from './observability.js';
import type {
  CimdOptions,
  ClientOptions,
  DcrOptions,
  GatehouseOptions,
  MailMessage,
  SigningAlgorithm,
} from './options.js';
import { type ResolvedOrganization, resolveOrganizations } from './organizations.js';
import {
  resolveConnections,
  resolveDcrQuota,
  resolveLanePolicies,
  resolveLifetimes,
  resolveObservability,
  resolveServer,
  resolveThrottles,
  resolveTokenExchange,
} from './policies.js';
import { describeIssues, type optionsSchema } from './schema.js';
import type { ResolvedTokenExchangeRule } from './token-exchange.js';

export interface ResolvedResource {
  /** The configured string, used verbatim as `aud`. */
  resource: string;
  name: string;
  scopes: string[];
  defaultScopes: string[];
  lanes: { preregistered: boolean; cimd: boolean; dcr: boolean };
  /** Only clients that list it in their `resources` may request it (the built-in admin API). */
  restricted: boolean;
  /** Shown next to each scope on the consent page (`scope_descriptions`); absent when none is configured. */
  scopeDescriptions?: Record<string, string>;
}

/** The scope that grants access to the admin API (resource `{issuer}/admin`). */
export const ADMIN_SCOPE = 'gatehouse.admin';

export interface ResolvedClientSeed {
  client_id: string;
  client_name: string | null;
  client_secret: string | null;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  grant_types: GrantType[];
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  application_type: ApplicationType;
  scope: string | null;
  resources: string[];
  introspect: string[];
  first_party: boolean;
  /** RFC 9449 §5.2: every token request needs a DPoP proof. */
  dpop_bound_access_tokens: boolean;
  /** private_key_jwt only (src/lanes/client-keys.ts). */
  clientKeys: ClientKeys | null;
}

/** The fully-defaulted configuration: handlers read it and never write `?? default`. */
export interface ResolvedConfig {
  issuer: string;
  /** The issuer's path with no trailing slash ('' at the root); endpoints live under it. */
  issuerPath: string;
  /** scheme://host[:port] of the issuer. */
  origin: string;
  /** Whether cookies get Secure and the __Host- prefix (an https issuer). */
  secureCookies: boolean;
  host: string;
  port: number;
  /** The CLI's HTTP server (adapters/node.ts `listen`, cli/serve.ts, cli/supervise.ts). */
  server: {
    shutdownTimeoutMs: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxWorkerRestarts: number;
    workerRestartWindowMs: number;
  };
  database: string;
  secret: string;
  signup: boolean;
  /** The `compatibility` preset (src/config/compatibility.ts); its effects are already in the fields below. */
  compatibility: boolean;
  /**
   * The configured resources as the configuration defines them, then the built-in admin API resource.
   * Administrators' edits are run-time state: read them from `ctx.resources.snapshot()`.
   */
  resources: readonly ResolvedResource[];
  defaultResource: string | null;
  clients: ResolvedClientSeed[];
  /** Upstream OpenID providers (docs/sign-in.md), disabled ones included. */
  connections: readonly ResolvedConnection[];
  /** Organizations of the configuration (docs/sign-in.md); administrators' ones live in the store. */
  organizations: readonly ResolvedOrganization[];
  /** The configured branding (src/branding/); pages read ctx.branding, which the dashboard can override. */
  branding: ResolvedBranding;
  /** The headless API and where /authorize sends the browser (config/headless.ts). */
  headless: ResolvedHeadless;
  /** Trusted enterprise IdPs for ID-JAGs (docs/enterprise.md). */
  enterprise: ResolvedEnterprise;
  /** RFC 8693 exchange rules (docs/enterprise.md). */
  tokenExchange: readonly ResolvedTokenExchangeRule[];
  users: { email: string; password: string; admin: boolean; emailVerified: boolean }[];
  cimd: {
    enabled: boolean;
    trustedHosts: string[];
    allowLoopback: boolean;
    maxDocumentBytes: number;
    timeoutMs: number;
    minTtlMs: number;
    maxTtlMs: number;
    maxConcurrentFetches: number;
    maxConcurrentFetchesPerIp: number;
    fetchesPerHostPerMinute: number;
    refreshesPerHostPerMinute: number;
    fetchesPerIpPerMinute: number;
    staleIfErrorMs: number;
    defaultTtlMs: number;
    jwksCooldownMs: number;
    policy: CimdOptions['policy'] | undefined;
    fetch: CimdOptions['fetch'] | undefined;
    staleAfterMs: number;
  };
  dcr: {
    enabled: boolean;
    maxRegistrationsPerWindow: number;
    maxRegistrationsGlobal: number;
    windowSeconds: number;
    staleAfterMs: number;
    allowedCustomSchemes: string[];
    policy: DcrOptions['policy'] | undefined;
  };
  tokens: {
    accessTokenTtl: number;
    refreshTokenIdleTtl: number;
    refreshTokenGracePeriod: number;
    refreshTokenAbsoluteTtl: number;
    authorizationCodeTtl: number;
    /** Seconds past accessTokenTtl that a rotated-out key stays published. */
    signingKeyGracePeriod: number;
  };
  sessions: { ttl: number; interactionTtlMs: number };
  signupThrottle: { maxSignupsPerIp: number; windowMs: number };
  loginThrottle: {
    maxFailuresPerAccountNetwork: number;
    maxFailuresPerIp: number;
    accountSlowdownAfter: number;
    accountSlowdownMs: number;
    windowSeconds: number;
  };
  signingAlgorithm: SigningAlgorithm;
  /** DPoP at the token endpoint (config/dpop.ts). */
  dpop: ResolvedDpop;
  maxCredentialFailuresPerMinute: number;
  clientCacheTtlMs: number;
  resourceCacheTtlMs: number;
  signingKeyCacheTtlMs: number;
  /** Seconds: the JWKS response's max-age (endpoints/jwks.ts) and part of the key pre-publication window. */
  jwksMaxAge: number;
  /** Clock skew allowed between instances in key rotation (operations/keys.ts). */
  signingKeyClockSkewMs: number;
  housekeepingIntervalMs: number;
  /** Seconds; the Retry-After of a database outage's 503. */
  databaseRetryAfter: number;
  readinessTimeoutMs: number;
  databaseConnectTimeoutMs: number;
  trustedProxies: string[];
  logger: Logger;
  mailer: ((message: MailMessage) => Promise<void>) | undefined;
  /** How the mailer is configured, for the settings view: "console", "function" or the redacted SMTP URL. */
  mailerSetting: string | null;
  requireVerifiedEmail: boolean;
  emailVerification: ResolvedAccounts['emailVerification'];
  passwordReset: { ttlMs: number; maxRequestsPerIp: number; maxRequestsPerAccount: number; windowMs: number };
  audit: {
    retentionMs: number;
    maxEvents: number;
    flood: { windowMs: number; perNetwork: number; perType: number };
  };
  rejectionThrottle: { maxRejections: number; windowMs: number };
  metrics: ResolvedMetrics;
  tracing: { enabled: boolean; tracerProvider: TracerProvider | undefined };
  clock: () => number;
  migrate: boolean;
  /** Absolute URLs of the protocol endpoints (src/paths.ts). */
  endpoints: ReturnType<typeof endpointUrls>;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export { resolveClientSeed } from './client-defaults.js';
export { REDACT_PATHS } from './logger.js';

/** Validates options and fills every default. Throws ConfigError naming each bad field. */
export function resolveConfig(options: GatehouseOptions): ResolvedConfig {
  const parsed = fullOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new ConfigError(`Invalid Gatehouse configuration: ${describeIssues(parsed.error)}`);
  const o = parsed.data;
  const url = new URL(o.issuer);
  const issuerPath = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  const { resources, defaultResource, problems } = resolveResources(o);
  const clients = resolveClients(o, resources, problems);
  const quotaProblem = resolveDcrQuota(o).problem;
  if (quotaProblem) problems.push(quotaProblem);
  const server = resolveServer(o);
  if (server.problem) problems.push(server.problem);
  const metricsProblem = metricsPathProblem(o.metrics?.path ?? '/metrics', issuerPath);
  if (o.metrics?.enabled && metricsProblem) problems.push(metricsProblem);
  const accounts = resolveAccounts(o, o.mailer !== undefined);
  if (accounts.problem) problems.push(accounts.problem);
  const branding = resolveBranding(o.branding);
  if (branding.problem) problems.push(branding.problem);
  if (problems.length) throw new ConfigError(`Invalid Gatehouse configuration: ${problems.join('; ')}`);
  // The admin API is a resource of its own; machine clients reach it by listing it in `resources`.
  resources.push({
    resource: adminResource(o),
    name: 'Gatehouse admin API',
    scopes: [ADMIN_SCOPE],
    defaultScopes: [ADMIN_SCOPE],
    lanes: { preregistered: true, cimd: false, dcr: false },
    restricted: true,
  });

  const preset = compatibilityDefaults(o.compatibility ?? false);
  // Resolved once and never changed: a write anywhere throws. Run-time state lives elsewhere
  // (resources: config/resource-registry.ts).
  return deepFreeze({
    issuer: o.issuer,
    issuerPath,
    origin: url.origin,
    secureCookies: url.protocol === 'https:',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80),
    server: server.server,
    database: o.database ?? 'sqlite:.gatehouse/gatehouse.db',
    secret: o.secret,
    signup: o.signup ?? false,
    compatibility: o.compatibility ?? false,
    resources,
    defaultResource,
    clients,
    connections: resolveConnections(o),
    organizations: resolveOrganizations(o),
    branding: branding.branding,
    headless: resolveHeadless(o),
    enterprise: resolveEnterprise(o),
    tokenExchange: resolveTokenExchange(o),
    users: (o.users ?? []).map((u) => ({
      email: u.email,
      password: u.password,
      admin: u.admin ?? false,
      emailVerified: u.email_verified ?? false,
    })),
    ...resolveLanePolicies(o, options, preset),
    ...resolveLifetimes(o),
    ...resolveThrottles(o),
    ...resolveObservability(o, options),
    signingAlgorithm: o.signingAlgorithm ?? 'ES256',
    dpop: resolveDpop(o),
    trustedProxies: o.trustedProxies ?? [],
    logger: makeLogger(options.logger),
    mailer: resolveMailer(options.mailer, url.hostname),
    mailerSetting: mailerSetting(options.mailer),
    requireVerifiedEmail: accounts.requireVerifiedEmail,
    emailVerification: accounts.emailVerification,
    clock: typeof options.clock === 'function' ? options.clock : Date.now,
    migrate: o.migrate ?? true,
    endpoints: endpointUrls(o.issuer),
  });
}

type Parsed = z.output<typeof optionsSchema>;

/** The configured resources with their defaults, the default resource, and what is wrong with them. */
function resolveResources(o: Parsed): {
  resources: ResolvedResource[];
  defaultResource: string | null;
  problems: string[];
} {
  const resources: ResolvedResource[] = (o.resources ?? []).map((r) => ({
    resource: r.resource,
    name: r.name ?? r.resource,
    scopes: r.scopes ?? [],
    defaultScopes: r.default_scopes ?? r.scopes ?? [],
    lanes: {
      preregistered: r.lanes?.preregistered ?? true,
      cimd: r.lanes?.cimd ?? true,
      dcr: r.lanes?.dcr ?? true,
    },
    restricted: false,
    ...(r.scope_descriptions ? { scopeDescriptions: { ...r.scope_descriptions } } : {}),
  }));
  const problems: string[] = [];
  const seenResources = new Set<string>();
  resources.forEach((r, i) => {
    if (seenResources.has(r.resource)) problems.push(`resources[${i}].resource: duplicate "${r.resource}"`);
    // The built-in admin API resource cannot be shadowed by a configured one with looser rules.
    if (canonicalResource(r.resource) === canonicalResource(adminResource(o)))
      problems.push(`resources[${i}].resource: "${r.resource}" is reserved for the admin API`);
    seenResources.add(r.resource);
    // OIDC Core §11: offline_access asks for a refresh token; it is never a resource's scope.
    if (r.scopes.includes(OFFLINE_ACCESS))
      problems.push(
        `resources[${i}].scopes: "${OFFLINE_ACCESS}" is reserved (it asks for a refresh token, which clients allowed refresh_token always get)`,
      );
    r.defaultScopes.forEach((s, j) => {
      if (!r.scopes.includes(s))
        problems.push(`resources[${i}].default_scopes[${j}]: "${s}" is not in scopes`);
    });
    for (const s of Object.keys(r.scopeDescriptions ?? {})) {
      if (!r.scopes.includes(s)) problems.push(`resources[${i}].scope_descriptions: "${s}" is not in scopes`);
    }
  });
  const defaultResource = o.defaultResource ?? (resources.length === 1 ? resources[0]!.resource : null);
  if (o.defaultResource && !seenResources.has(o.defaultResource)) {
    problems.push('defaultResource: must be one of resources[].resource');
  }
  return { resources, defaultResource, problems };
}

/** The configured clients with their defaults; problems (duplicates, unknown resources) are added to `problems`. */
function resolveClients(o: Parsed, resources: readonly ResolvedResource[], problems: string[]) {
  const seenResources = new Set(resources.map((r) => r.resource));
  const clients = (o.clients ?? []).map((c) => resolveClientSeed(c as ClientOptions));
  const seenClients = new Set<string>();
  clients.forEach((c, i) => {
    if (seenClients.has(c.client_id)) problems.push(`clients[${i}].client_id: duplicate "${c.client_id}"`);
    seenClients.add(c.client_id);
    c.resources.forEach((r, j) => {
      if (!seenResources.has(r) && r !== adminResource(o))
        problems.push(`clients[${i}].resources[${j}]: "${r}" is not a configured resource`);
    });
  });
  return clients;
}

/**
 * `"console"` (development): every mail is one line of JSON `{"mail":{"to","subject","text"}}` on
 * standard output (DESIGN §4); an `smtp://` / `smtps://` URL sends through that relay (src/mail/smtp.ts);
 * a function is used as given.
 */
export function resolveMailer(
  mailer: GatehouseOptions['mailer'],
  issuerHost = 'localhost',
): ((message: MailMessage) => Promise<void>) | undefined {
  if (typeof mailer === 'function') return mailer;
  if (typeof mailer === 'string' && SMTP_URL.test(mailer))
    return smtpMailer(mailer, `no-reply@${issuerHost}`);
  if (mailer !== 'console') return undefined;
  return async ({ to, subject, text }) => {
    process.stdout.write(`${JSON.stringify({ mail: { to, subject, text } })}\n`);
  };
}

function mailerSetting(mailer: GatehouseOptions['mailer']): string | null {
  if (mailer === undefined) return null;
  if (typeof mailer === 'function') return 'function';
  return SMTP_URL.test(mailer) ? redactSmtpUrl(mailer) : mailer;
}
