import { createAuditors } from './audit/writer.js';
import { BrandingRegistry } from './branding/registry.js';
import type { GatehouseOptions } from './config/options.js';
import { type ResolvedConfig, resolveConfig } from './config/resolve.js';
import { ResourceRegistry } from './config/resource-registry.js';
import type { Context, RequestInfo } from './context.js';
import { clientIp } from './http/client-ip.js';
import { cookieNames } from './http/cookies.js';
import { FailureLimiter } from './http/failure-limit.js';
import { trackInFlight } from './http/in-flight.js';
import { boundedUserAgent } from './http/limits.js';
import { RejectionThrottle } from './http/rejection-throttle.js';
import { CimdService } from './lanes/cimd/service.js';
import { seedClients } from './lanes/preregistered.js';
import { createObservability, type Metrics } from './metrics/index.js';
import { housekeep } from './operations/housekeeping.js';
import { seedOrganizations } from './operations/organizations.js';
import { buildRoutes, dispatch, prefixRoute, type Routes } from './router.js';
import { withClientCache } from './store/client-cache.js';
import { openStore } from './store/index.js';
import type { Store } from './store/types.js';
import { deriveKey } from './tokens/crypto.js';
import { KeyRing } from './tokens/keys.js';
import { seedUsers } from './users.js';

/** Network facts a web-standard Request cannot carry; adapters pass them. */
export interface ConnectionInfo {
  /** The socket peer address. */
  remoteAddress?: string | null;
}

export interface Gatehouse {
  /** The web-standard handler: every route of the authorization server. */
  fetch(request: Request, connection?: ConnectionInfo): Promise<Response>;
  /** Whether `pathname` is one of Gatehouse's routes (adapters pass everything else on). */
  handles(pathname: string): boolean;
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly keys: KeyRing;
  /** Internal context, for the CLI and the admin API. */
  readonly context: Context;
  /**
   * Purges expired rows, old audit events, stale registered clients and unused CIMD clients now (it
   * also runs every `housekeepingInterval`, 10 minutes by default).
   */
  runHousekeeping(): Promise<void>;
  /**
   * Waits for the requests in progress, then stops timers and closes the database; a request that
   * arrives meanwhile is answered 503 (http/in-flight.ts). Safe to call more than once.
   */
  close(): Promise<void>;
}

/**
 * Creates an authorization server: validates the configuration (throws ConfigError naming the field),
 * opens the database, migrates it, seeds configured clients and users, and loads signing keys.
 */
export async function createGatehouse(
  options: GatehouseOptions,
  injected?: { store?: Store },
): Promise<Gatehouse> {
  const config = resolveConfig(options);
  const raw =
    injected?.store ??
    (await openStore(config.database, { connectTimeoutMs: config.databaseConnectTimeoutMs }));
  const cached = withClientCache(raw, { ttlMs: config.clientCacheTtlMs, clock: config.clock });
  try {
    // Metrics and tracing (src/metrics/): with both off, the store and dispatch are used as they are.
    const observed = await createObservability(config, cached);
    const store = observed.store;
    const ctx = await buildContext(config, store, observed.metrics);
    const serve = observed.wrap(dispatch);
    const routes: Routes = buildRoutes(ctx);
    const runHousekeeping = async () => {
      const done = await housekeep(ctx);
      if (Object.values(done).some((n) => n > 0)) ctx.log.info(done, 'housekeeping');
    };
    const housekeeping = setInterval(() => {
      runHousekeeping().catch((error) => ctx.log.error({ err: error }, 'housekeeping failed'));
    }, config.housekeepingIntervalMs);
    housekeeping.unref();
    const requestInfo = requestInfoReader(config, ctx.log);

    // close() waits for the requests in progress (http/in-flight.ts).
    return trackInFlight({
      config,
      store,
      keys: ctx.keys,
      context: ctx,
      handles: (pathname) => routes.has(pathname) || prefixRoute(ctx, pathname) !== undefined,
      runHousekeeping,
      fetch(request, connection) {
        const req = requestInfo(request, connection);
        // A clock comparison; a stale copy is reloaded in the background while this request goes on.
        void ctx.resources.refreshIfStale();
        void ctx.branding.refreshIfStale();
        if (!ctx.log.isLevelEnabled('debug')) return serve(ctx, routes, req);
        const started = performance.now();
        return serve(ctx, routes, req).then((response) => {
          // The path only: query strings carry codes and state, and headers carry credentials.
          const ms = Math.round(performance.now() - started);
          ctx.log.debug(
            { method: request.method, path: req.url.pathname, status: response.status, ms },
            'request',
          );
          return response;
        });
      },
      async close() {
        clearInterval(housekeeping);
        ctx.keys.close();
        await ctx.rejections.flush(true);
        await store.close();
        observed.close();
      },
    });
  } catch (error) {
    if (!injected?.store) await raw.close().catch(() => {});
    throw error;
  }
}

/** Migrates and seeds the database, loads keys and resources, and builds the handlers' Context. */
async function buildContext(config: ResolvedConfig, store: Store, metrics: Metrics): Promise<Context> {
  if (config.migrate) await store.migrate();
  const at = config.clock();
  await seedClients(store, config.clients, at);
  await seedUsers(store, config.users, at);
  await seedOrganizations(store, config.organizations, at);
  const secrets = {
    state: deriveKey(config.secret, 'interaction-state'),
    csrf: deriveKey(config.secret, 'csrf'),
    keyEncryption: deriveKey(config.secret, 'signing-key-encryption'),
    refreshSuccessor: deriveKey(config.secret, 'refresh-token-successor'),
  };
  const keys = new KeyRing(
    store,
    secrets.keyEncryption,
    config.signingAlgorithm,
    config.clock,
    config.signingKeyCacheTtlMs,
  );
  await keys.init();
  const log = config.logger;
  const resources = new ResourceRegistry(store, config, {
    refreshMs: config.resourceCacheTtlMs,
    onError: (error) => log.error({ err: error }, 'reloading resources failed; serving the cached copy'),
  });
  await resources.init(at);
  const branding = new BrandingRegistry(store, config.branding, (error) =>
    log.error({ err: error }, 'reloading branding failed; serving the previous branding'),
  );
  await branding.refresh();
  const auditors = createAuditors(store, config, log);
  const ctx: Context = {
    metrics,
    resources,
    branding,
    config,
    store,
    keys,
    log,
    secrets,
    cookies: cookieNames(config.secureCookies),
    now: config.clock,
    failures: new FailureLimiter(config.maxCredentialFailuresPerMinute, 60_000, config.clock),
    ...auditors,
    rejections: new RejectionThrottle(store, config.rejectionThrottle, config.clock, (network, count) =>
      auditors.auditAnonymous(
        { type: 'request.throttled', detail: { reason: 'too many refused requests from this network' } },
        null,
        { throttled: true, count, network },
      ),
    ),
  };
  if (config.cimd.enabled) ctx.cimd = new CimdService(ctx);
  return ctx;
}

/**
 * What a handler knows of the request: the client address (the socket peer, or X-Forwarded-For from a
 * trusted proxy) and a bounded user agent. Warns once when an adapter passes no peer address.
 */
function requestInfoReader(
  config: ResolvedConfig,
  log: Context['log'],
): (request: Request, connection?: ConnectionInfo) => RequestInfo {
  let warnedNoClientIp = false;
  return (request, connection) => {
    const req: RequestInfo = {
      request,
      url: new URL(request.url),
      ip: clientIp(
        connection?.remoteAddress ?? null,
        // Believed only from a trusted proxy (clientIp), so without one it is not even read.
        config.trustedProxies.length > 0 ? request.headers.get('x-forwarded-for') : null,
        config.trustedProxies,
      ),
      userAgent: boundedUserAgent(request.headers),
    };
    if (req.ip === null && !warnedNoClientIp) {
      warnedNoClientIp = true;
      log.warn(
        'a request arrived without a peer address: every per-IP limit counts all such requests as one client; pass remoteAddress to fetch() (docs/configuration.md, "Client IP and per-IP limits")',
      );
    }
    return req;
  };
}
