import type { z } from 'zod';
import type { compatibilityDefaults } from './compatibility.js';
import type { ResolvedConnection } from './connections.js';
import { type ParsedOptions, tokenDigest } from './observability.js';
import type { GatehouseOptions } from './options.js';
import type { ResolvedConfig } from './resolve.js';
import { resolveSamlConnection } from './saml-connection.js';
import type { optionsSchema } from './schema.js';
import type { ResolvedTokenExchangeRule } from './token-exchange.js';

/**
 * The one table of policy defaults: every throttle, window, cap, lifetime and interval Gatehouse
 * applies is an option (documented in options.ts and docs/configuration.md), and its default is
 * written here and nowhere else. Seconds and days in the options become milliseconds here where the
 * code counts in milliseconds (the `…Ms` fields).
 */

type Parsed = z.output<typeof optionsSchema>;
type Preset = ReturnType<typeof compatibilityDefaults>;
const DAY_MS = 86_400_000;

/**
 * One network (a client IP, an IPv6 /64) must not be able to spend the global registration quota: the
 * per-network default is a quarter of the global one, at most 25. `problem` says when an explicit value
 * breaks that rule.
 */
export function resolveDcrQuota(o: Parsed): { perNetwork: number; global: number; problem?: string } {
  const global = o.dcr?.maxRegistrationsGlobal ?? 1000;
  const perNetwork = o.dcr?.maxRegistrationsPerWindow ?? Math.max(1, Math.min(25, Math.floor(global / 4)));
  if (perNetwork * 4 <= global) return { perNetwork, global };
  return {
    perNetwork,
    global,
    problem: `dcr.maxRegistrationsPerWindow: ${perNetwork} is more than a quarter of dcr.maxRegistrationsGlobal (${global}), so one network could spend the global quota`,
  };
}

/** The CIMD and DCR lanes (docs/cimd.md, docs/dcr.md); the preset changes only what is not set. */
export function resolveLanePolicies(
  o: Parsed,
  options: GatehouseOptions,
  preset: Preset,
): Pick<ResolvedConfig, 'cimd' | 'dcr'> {
  const quota = resolveDcrQuota(o);
  return {
    cimd: {
      enabled: o.cimd?.enabled ?? preset.cimdEnabled,
      trustedHosts: (o.cimd?.trustedHosts ?? []).map((h) => h.toLowerCase()),
      allowLoopback: o.cimd?.allowLoopback ?? false,
      maxDocumentBytes: o.cimd?.maxDocumentBytes ?? 5120,
      timeoutMs: o.cimd?.timeoutMs ?? 3000,
      minTtlMs: (o.cimd?.minTtl ?? 30) * 1000,
      maxTtlMs: (o.cimd?.maxTtl ?? 86_400) * 1000,
      maxConcurrentFetches: o.cimd?.maxConcurrentFetches ?? 16,
      maxConcurrentFetchesPerIp: o.cimd?.maxConcurrentFetchesPerIp ?? 4,
      fetchesPerHostPerMinute: o.cimd?.fetchesPerHostPerMinute ?? 30,
      refreshesPerHostPerMinute: o.cimd?.refreshesPerHostPerMinute ?? 60,
      fetchesPerIpPerMinute: o.cimd?.fetchesPerIpPerMinute ?? 20,
      staleIfErrorMs: (o.cimd?.staleIfError ?? 86_400) * 1000,
      defaultTtlMs: (o.cimd?.defaultTtl ?? 300) * 1000,
      jwksCooldownMs: (o.cimd?.jwksCooldown ?? 60) * 1000,
      policy: typeof options.cimd?.policy === 'function' ? options.cimd.policy : undefined,
      fetch: typeof options.cimd?.fetch === 'function' ? options.cimd.fetch : undefined,
      staleAfterMs: (o.cimd?.staleAfterDays ?? 30) * DAY_MS,
    },
    dcr: {
      enabled: o.dcr?.enabled ?? preset.dcrEnabled,
      maxRegistrationsPerWindow: quota.perNetwork,
      maxRegistrationsGlobal: quota.global,
      windowSeconds: o.dcr?.windowSeconds ?? 3600,
      staleAfterMs: (o.dcr?.staleAfterDays ?? 30) * DAY_MS,
      allowedCustomSchemes: o.dcr?.allowedCustomSchemes ?? preset.dcrAllowedCustomSchemes,
      policy: typeof options.dcr?.policy === 'function' ? options.dcr.policy : undefined,
    },
  };
}

/** Token and session lifetimes, and the caches and intervals of an instance. */
export function resolveLifetimes(
  o: Parsed,
): Pick<
  ResolvedConfig,
  | 'tokens'
  | 'sessions'
  | 'passwordReset'
  | 'clientCacheTtlMs'
  | 'resourceCacheTtlMs'
  | 'signingKeyCacheTtlMs'
  | 'jwksMaxAge'
  | 'signingKeyClockSkewMs'
  | 'housekeepingIntervalMs'
  | 'databaseRetryAfter'
  | 'readinessTimeoutMs'
  | 'databaseConnectTimeoutMs'
> {
  return {
    tokens: {
      accessTokenTtl: o.tokens?.accessTokenTtl ?? 3600,
      refreshTokenIdleTtl: o.tokens?.refreshTokenIdleTtl ?? 14 * 86400,
      refreshTokenGracePeriod: o.tokens?.refreshTokenGracePeriod ?? 600,
      refreshTokenAbsoluteTtl: o.tokens?.refreshTokenAbsoluteTtl ?? 30 * 86400,
      authorizationCodeTtl: o.tokens?.authorizationCodeTtl ?? 60,
      signingKeyGracePeriod: o.tokens?.signingKeyGracePeriod ?? 300,
    },
    sessions: {
      ttl: o.sessions?.ttl ?? 7 * 86400,
      interactionTtlMs: (o.sessions?.interactionTtl ?? 1800) * 1000,
    },
    passwordReset: {
      ttlMs: (o.passwordReset?.ttl ?? 1800) * 1000,
      maxRequestsPerIp: o.passwordReset?.maxRequestsPerIp ?? 20,
      maxRequestsPerAccount: o.passwordReset?.maxRequestsPerAccount ?? 3,
      windowMs: (o.passwordReset?.windowSeconds ?? 3600) * 1000,
    },
    clientCacheTtlMs: (o.clientCacheTtl ?? 5) * 1000,
    resourceCacheTtlMs: (o.resourceCacheTtl ?? 5) * 1000,
    signingKeyCacheTtlMs: (o.signingKeyCacheTtl ?? 30) * 1000,
    jwksMaxAge: o.jwksMaxAge ?? 300,
    signingKeyClockSkewMs: Math.round((o.signingKeyClockSkew ?? 5) * 1000),
    housekeepingIntervalMs: (o.housekeepingInterval ?? 600) * 1000,
    databaseRetryAfter: o.databaseRetryAfter ?? 5,
    readinessTimeoutMs: Math.round((o.readinessTimeout ?? 2) * 1000),
    databaseConnectTimeoutMs: Math.round((o.databaseConnectTimeout ?? 5) * 1000),
  };
}

/** Throttles of anonymous and credential-bearing requests, and the audit log's bounds. */
export function resolveThrottles(
  o: Parsed,
): Pick<
  ResolvedConfig,
  'signupThrottle' | 'loginThrottle' | 'maxCredentialFailuresPerMinute' | 'audit' | 'rejectionThrottle'
> {
  return {
    signupThrottle: {
      maxSignupsPerIp: o.signupThrottle?.maxSignupsPerIp ?? 20,
      windowMs: (o.signupThrottle?.windowSeconds ?? 3600) * 1000,
    },
    loginThrottle: {
      // The older names (maxFailuresPerAccount, maxAttemptsPerIp) are read as the new ones.
      maxFailuresPerAccountNetwork:
        o.loginThrottle?.maxFailuresPerAccountNetwork ?? o.loginThrottle?.maxFailuresPerAccount ?? 10,
      maxFailuresPerIp: o.loginThrottle?.maxFailuresPerIp ?? o.loginThrottle?.maxAttemptsPerIp ?? 100,
      accountSlowdownAfter: o.loginThrottle?.accountSlowdownAfter ?? 50,
      accountSlowdownMs: o.loginThrottle?.accountSlowdownMs ?? 1000,
      windowSeconds: o.loginThrottle?.windowSeconds ?? 900,
    },
    maxCredentialFailuresPerMinute: o.maxCredentialFailuresPerMinute ?? 100,
    audit: {
      retentionMs: (o.audit?.retentionDays ?? 90) * DAY_MS,
      maxEvents: o.audit?.maxEvents ?? 0,
      flood: {
        windowMs: (o.audit?.floodWindowSeconds ?? 3600) * 1000,
        perNetwork: o.audit?.individualPerNetwork ?? 10,
        perType: o.audit?.individualPerType ?? 200,
      },
    },
    rejectionThrottle: {
      maxRejections: o.rejectionThrottle?.maxRejections ?? 60,
      windowMs: (o.rejectionThrottle?.windowSeconds ?? 60) * 1000,
    },
  };
}

/**
 * The CLI's HTTP server (config/server.ts; docs/operations.md "Shutdown and restarts", "Timeouts").
 * Headers in 10 s and the whole request in 30 s: a real client sends its headers in one packet and
 * Gatehouse's bodies are at most 64 KiB, which even a 56 kbit/s link sends in 10 s; a slow client
 * holds a connection for no longer than that (node:http's defaults are 60 s and 300 s). The shutdown
 * deadline of 8 s outlasts the 5 s keep-alive and any normal request, and ends before `docker stop`'s
 * 10 s kill. `problem` says when the headers timeout exceeds the request's, which node:http refuses.
 */
export function resolveServer(o: Parsed): { server: ResolvedConfig['server']; problem?: string } {
  const seconds = (value: number | undefined, fallback: number) => Math.round((value ?? fallback) * 1000);
  const server = {
    shutdownTimeoutMs: seconds(o.server?.shutdownTimeout, 8),
    headersTimeoutMs: seconds(o.server?.headersTimeout, 10),
    requestTimeoutMs: seconds(o.server?.requestTimeout, 30),
    keepAliveTimeoutMs: seconds(o.server?.keepAliveTimeout, 5),
    maxWorkerRestarts: o.server?.maxWorkerRestarts ?? 10,
    workerRestartWindowMs: seconds(o.server?.workerRestartWindow, 60),
  };
  if (server.headersTimeoutMs <= server.requestTimeoutMs) return { server };
  return { server, problem: 'server.headersTimeout: must not exceed server.requestTimeout' };
}

/** Token exchange rules (RFC 8693, docs/enterprise.md): none unless configured. */
export function resolveTokenExchange(o: Parsed): ResolvedTokenExchangeRule[] {
  return (o.tokenExchange ?? []).map((r) => ({ from: r.from, to: r.to, scopes: [...new Set(r.scopes)] }));
}

/** Upstream connections (docs/sign-in.md): JIT sign-up on, e-mail verification trusted only when told. */
export function resolveConnections(o: Parsed): ResolvedConnection[] {
  return (o.connections ?? []).map(
    (c): ResolvedConnection =>
      c.type === 'saml'
        ? resolveSamlConnection(c)
        : {
            id: c.id,
            type: c.type,
            name: c.name,
            issuer: c.issuer,
            clientId: c.client_id,
            clientSecret: c.client_secret,
            authMethod:
              c.token_endpoint_auth_method ?? (c.private_key ? 'private_key_jwt' : 'client_secret_basic'),
            privateKey: c.private_key ? { ...c.private_key } : undefined,
            scopes: c.scopes ?? ['openid', 'email', 'profile'],
            claims: {
              email: c.claims?.email ?? 'email',
              emailVerified: c.claims?.email_verified ?? 'email_verified',
              name: c.claims?.name ?? 'name',
            },
            domains: c.domains ?? [],
            trustEmailVerified: c.trustEmailVerified ?? false,
            signup: c.signup ?? true,
            enabled: c.enabled ?? true,
            allowLoopback: c.allowLoopback ?? false,
            clockToleranceS: c.clockTolerance ?? 30,
            maxIdTokenAgeS: c.maxIdTokenAge ?? 600,
            stateTtlMs: (c.stateTtl ?? 600) * 1000,
            maxStartsPerIp: c.maxStartsPerIp ?? 30,
          },
  );
}

/** Metrics and tracing (docs/operations.md): both off unless enabled. */
export function resolveObservability(
  o: ParsedOptions,
  options: GatehouseOptions,
): Pick<ResolvedConfig, 'metrics' | 'tracing'> {
  return {
    metrics: {
      enabled: o.metrics?.enabled ?? false,
      path: o.metrics?.path ?? '/metrics',
      tokenDigest: o.metrics?.token ? tokenDigest(o.metrics.token) : null,
      allowFrom: o.metrics?.allowFrom ?? null,
      processMetrics: o.metrics?.processMetrics ?? true,
      registry: options.metrics?.registry,
    },
    tracing: {
      enabled: o.tracing?.enabled ?? false,
      tracerProvider: options.tracing?.tracerProvider,
    },
  };
}
