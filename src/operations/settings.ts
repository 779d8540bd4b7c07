import { samlConnectionSettings } from '../config/saml-connection.js';
import type { Context } from '../context.js';
import { HIDDEN, redactSecrets } from './redact.js';

/**
 * The dashboard's Settings page and `GET /admin/api/settings`: the effective configuration under the
 * option names and units an operator writes (docs/configuration.md, docs/cimd.md, docs/dcr.md), not
 * the resolved internal ones — `cimd.staleAfterDays: 30`, not `staleAfterMs: 2592000000`.
 */

const SECOND = 1000;
const DAY = 86_400_000;

/**
 * The effective configuration with every secret replaced by "[hidden]" — secret fields, URL passwords
 * and secret URL parameters alike (one redaction, src/admin/redact.ts) — and hooks named, not shown.
 */
export function effectiveSettings(ctx: Context): Record<string, unknown> {
  return redactSecrets(settingsView(ctx)) as Record<string, unknown>;
}

const hook = (f: unknown) => (typeof f === 'function' ? 'configured' : 'not configured');

function settingsView(ctx: Context): Record<string, unknown> {
  const c = ctx.config;
  return {
    issuer: c.issuer,
    host: c.host,
    port: c.port,
    database: c.database,
    secret: HIDDEN,
    signup: c.signup,
    compatibility: c.compatibility,
    headless: {
      enabled: c.headless.enabled,
      loginUrl: c.headless.loginUrl ?? null,
      origins: c.headless.origins,
    },
    defaultResource: c.defaultResource,
    resources: c.resources
      .filter((r) => !r.restricted)
      .map((r) => ({
        resource: r.resource,
        name: r.name,
        scopes: r.scopes,
        default_scopes: r.defaultScopes,
        lanes: r.lanes,
      })),
    clients: c.clients.map((cl) => ({
      client_id: cl.client_id,
      token_endpoint_auth_method: cl.token_endpoint_auth_method,
      client_secret: cl.client_secret ? HIDDEN : null,
    })),
    connections: c.connections.map((x) =>
      x.type === 'saml'
        ? samlConnectionSettings(x)
        : {
            id: x.id,
            type: x.type,
            name: x.name,
            issuer: x.issuer,
            client_id: x.clientId,
            client_secret: x.clientSecret ? HIDDEN : null,
            token_endpoint_auth_method: x.authMethod,
            private_key: x.privateKey ? HIDDEN : null,
            scopes: x.scopes,
            claims: { email: x.claims.email, email_verified: x.claims.emailVerified, name: x.claims.name },
            domains: x.domains,
            trustEmailVerified: x.trustEmailVerified,
            signup: x.signup,
            enabled: x.enabled,
            allowLoopback: x.allowLoopback,
            clockTolerance: x.clockToleranceS,
            maxIdTokenAge: x.maxIdTokenAgeS,
            stateTtl: x.stateTtlMs / SECOND,
            maxStartsPerIp: x.maxStartsPerIp,
          },
    ),
    users: c.users.map((u) => ({
      email: u.email,
      password: HIDDEN,
      admin: u.admin,
      email_verified: u.emailVerified,
    })),
    tokenExchange: c.tokenExchange.map((r) => ({ from: r.from, to: r.to, scopes: r.scopes })),
    enterprise: enterpriseSettings(c),
    cimd: cimdSettings(c.cimd),
    dcr: {
      enabled: c.dcr.enabled,
      maxRegistrationsPerWindow: c.dcr.maxRegistrationsPerWindow,
      maxRegistrationsGlobal: c.dcr.maxRegistrationsGlobal,
      windowSeconds: c.dcr.windowSeconds,
      staleAfterDays: c.dcr.staleAfterMs / DAY,
      allowedCustomSchemes: c.dcr.allowedCustomSchemes,
      policy: hook(c.dcr.policy),
    },
    ...limitSettings(ctx),
    ...runtimeSettings(c),
  };
}

/** metrics, tracing and dpop under their option names. */
function runtimeSettings(c: Context['config']): Record<string, unknown> {
  return {
    // docs/operations.md, "Metrics and alerts" and "Tracing": the token is never shown, not even hashed.
    metrics: {
      enabled: c.metrics.enabled,
      path: c.metrics.path,
      token: c.metrics.tokenDigest ? HIDDEN : null,
      allowFrom: c.metrics.allowFrom,
      processMetrics: c.metrics.processMetrics,
      registry: c.metrics.registry ? 'configured' : 'not configured',
    },
    tracing: {
      enabled: c.tracing.enabled,
      tracerProvider: c.tracing.tracerProvider ? 'configured' : 'not configured',
    },
    // docs/configuration.md "dpop": all in seconds, as written.
    dpop: { ...c.dpop },
  };
}

/** docs/configuration.md "enterprise": trusted IdPs (their keys are public: the URL, or a count). */
function enterpriseSettings(c: Context['config']): Record<string, unknown> {
  return {
    idps: c.enterprise.idps.map((i) => ({
      issuer: i.issuer,
      name: i.name,
      jwks_uri: i.jwksUri ?? null,
      jwks: i.jwks ? `${i.jwks.keys.length} keys` : null,
      subject: i.subject,
      signup: i.signup,
      algorithms: i.algorithms ?? 'every asymmetric algorithm',
      maxLifetime: i.maxLifetimeS,
      clockTolerance: i.clockToleranceS,
    })),
    maxGrantsPerClient: c.enterprise.maxGrantsPerClient,
    maxGrantsPerIdp: c.enterprise.maxGrantsPerIdp,
  };
}

/** docs/cimd.md: lifetimes in seconds (`minTtl`, `maxTtl`, `staleIfError`), the fetch timeout in ms. */
function cimdSettings(cimd: Context['config']['cimd']): Record<string, unknown> {
  return {
    enabled: cimd.enabled,
    trustedHosts: cimd.trustedHosts,
    allowLoopback: cimd.allowLoopback,
    maxDocumentBytes: cimd.maxDocumentBytes,
    timeoutMs: cimd.timeoutMs,
    minTtl: cimd.minTtlMs / SECOND,
    maxTtl: cimd.maxTtlMs / SECOND,
    maxConcurrentFetches: cimd.maxConcurrentFetches,
    maxConcurrentFetchesPerIp: cimd.maxConcurrentFetchesPerIp,
    fetchesPerHostPerMinute: cimd.fetchesPerHostPerMinute,
    refreshesPerHostPerMinute: cimd.refreshesPerHostPerMinute,
    fetchesPerIpPerMinute: cimd.fetchesPerIpPerMinute,
    staleIfError: cimd.staleIfErrorMs / SECOND,
    defaultTtl: cimd.defaultTtlMs / SECOND,
    staleAfterDays: cimd.staleAfterMs / DAY,
    policy: hook(cimd.policy),
    fetch: hook(cimd.fetch),
  };
}

/** Lifetimes, throttles and storage bounds (docs/configuration.md "tokens" to "Storage bounds"). */
function limitSettings(ctx: Context): Record<string, unknown> {
  const c = ctx.config;
  return {
    tokens: c.tokens,
    sessions: { ttl: c.sessions.ttl, interactionTtl: c.sessions.interactionTtlMs / SECOND },
    signupThrottle: {
      maxSignupsPerIp: c.signupThrottle.maxSignupsPerIp,
      windowSeconds: c.signupThrottle.windowMs / SECOND,
    },
    loginThrottle: c.loginThrottle,
    signingAlgorithm: c.signingAlgorithm,
    maxCredentialFailuresPerMinute: c.maxCredentialFailuresPerMinute,
    clientCacheTtl: c.clientCacheTtlMs / SECOND,
    resourceCacheTtl: c.resourceCacheTtlMs / SECOND,
    signingKeyCacheTtl: c.signingKeyCacheTtlMs / SECOND,
    jwksMaxAge: c.jwksMaxAge,
    signingKeyClockSkew: c.signingKeyClockSkewMs / SECOND,
    housekeepingInterval: c.housekeepingIntervalMs / SECOND,
    trustedProxies: c.trustedProxies,
    // "console", "function" or the SMTP URL with its credentials replaced (src/mail/smtp.ts).
    mailer: c.mailerSetting ?? 'not configured',
    requireVerifiedEmail: c.requireVerifiedEmail,
    emailVerification: {
      ttl: c.emailVerification.ttlMs / SECOND,
      maxRequestsPerAccount: c.emailVerification.maxRequestsPerAccount,
      maxRequestsPerIp: c.emailVerification.maxRequestsPerIp,
      windowSeconds: c.emailVerification.windowMs / SECOND,
    },
    passwordReset: {
      ttl: c.passwordReset.ttlMs / SECOND,
      maxRequestsPerAccount: c.passwordReset.maxRequestsPerAccount,
      maxRequestsPerIp: c.passwordReset.maxRequestsPerIp,
      windowSeconds: c.passwordReset.windowMs / SECOND,
    },
    audit: {
      retentionDays: c.audit.retentionMs / DAY,
      maxEvents: c.audit.maxEvents,
      floodWindowSeconds: c.audit.flood.windowMs / SECOND,
      individualPerNetwork: c.audit.flood.perNetwork,
      individualPerType: c.audit.flood.perType,
    },
    rejectionThrottle: {
      maxRejections: c.rejectionThrottle.maxRejections,
      windowSeconds: c.rejectionThrottle.windowMs / SECOND,
    },
  };
}
