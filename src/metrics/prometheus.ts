import type { Counter, Histogram, Registry } from 'prom-client';
import {
  bounded,
  CIMD_RESULTS,
  type CimdFetchResult,
  DCR_RESULTS,
  ERROR_CODES,
  GRANT_LABELS,
  LANES,
  LIMITERS,
  type Limiter,
  type Metrics,
  methodLabel,
  statusClass,
} from './recorder.js';
import type { RouteOf } from './routes.js';

/**
 * The Prometheus side of ctx.metrics: prom-client metrics in a registry of this instance's own (or the
 * one `metrics.registry` names), so two instances in one process never share a series. Every label
 * value comes from a fixed list (./recorder.ts) or the route table (./routes.ts). The metric names and
 * their labels are listed in docs/operations.md ("Metrics and alerts"); keep the two in step.
 */

/** Seconds; from 1 ms (a cached JWKS) to 10 s (a slow CIMD fetch inside /authorize). */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; from 100 µs (an SQLite read) to 2.5 s (a pool starved of connections). */
const DB_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

/** A PostgreSQL pool's connections now (node-postgres totalCount, idleCount, waitingCount). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface PrometheusMetrics extends Metrics {
  /** A request to `route` with `method` was answered `status` after `seconds`. */
  request(route: RouteOf, method: string, status: number, seconds: number): void;
  /** A Store verb took `seconds`; `failed` when it rejected. */
  storeCall(operation: string, seconds: number, failed: boolean): void;
  /** The text exposition of every metric of the registry (concurrent calls share one rendering). */
  render(): Promise<{ text: string; contentType: string }>;
  /** Takes this instance's metrics out of the registry. */
  close(): void;
}

export interface PrometheusSetup {
  registry: Registry | undefined;
  processMetrics: boolean;
  routeOf: (pathname: string) => RouteOf;
  /** The database pool, when there is one (PostgreSQL). */
  poolStats: (() => PoolStats) | undefined;
}

type Prom = typeof import('prom-client');

/** Loads prom-client (only when metrics are enabled) and registers Gatehouse's metrics. */
export async function createPrometheusMetrics(setup: PrometheusSetup): Promise<PrometheusMetrics> {
  const prom: Prom = await import('prom-client');
  const registry = setup.registry ?? new prom.Registry();
  const names: string[] = [];
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => {
    names.push(name);
    return new prom.Counter({ name, help, labelNames, registers });
  };
  const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) => {
    names.push(name);
    return new prom.Histogram({ name, help, labelNames, buckets, registers }) as Histogram<L>;
  };
  try {
    const m = {
      tokens: counter(
        'gatehouse_tokens_issued_total',
        'Token responses sent, by grant type and client lane.',
        ['grant', 'lane'],
      ),
      errors: counter(
        'gatehouse_oauth_errors_total',
        'Error responses, by endpoint (route) and OAuth error code.',
        ['endpoint', 'error'],
      ),
      requests: histogram(
        'gatehouse_http_request_duration_seconds',
        'Time from a request reaching Gatehouse to its response, by route, method and status class.',
        ['route', 'method', 'status_class'],
        REQUEST_BUCKETS,
      ),
      cimd: counter('gatehouse_cimd_fetches_total', 'Client ID metadata document fetches, by result.', [
        'result',
      ]),
      dcr: counter('gatehouse_dcr_registrations_total', 'Dynamic client registration requests, by result.', [
        'result',
      ]),
      throttled: counter('gatehouse_throttled_total', 'Requests answered 429, by the limit that applied.', [
        'limiter',
      ]),
      db: histogram(
        'gatehouse_db_query_duration_seconds',
        'Time of each storage operation (a Store verb: one or a few SQL statements), by operation.',
        ['operation'],
        DB_BUCKETS,
      ),
      dbErrors: counter('gatehouse_db_errors_total', 'Storage operations that failed, by operation.', [
        'operation',
      ]),
    };
    zeroes(m.tokens, m.cimd, m.dcr, m.throttled);
    if (setup.poolStats) poolGauges(prom, registers, names, setup.poolStats);
    if (setup.processMetrics) {
      prom.collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
      names.push(...defaultMetricNames(registry, names));
    }
    return recorder(m, registry, names, setup.routeOf, !setup.registry);
  } catch (error) {
    for (const name of names) registry.removeSingleMetric(name);
    if (setup.registry && /already been registered/.test(String(error)))
      throw new Error(
        "metrics.registry already holds Gatehouse's metrics: give each Gatehouse instance a registry of its own",
      );
    throw error;
  }
}

type Families = {
  tokens: Counter<'grant' | 'lane'>;
  errors: Counter<'endpoint' | 'error'>;
  requests: Histogram<'route' | 'method' | 'status_class'>;
  cimd: Counter<'result'>;
  dcr: Counter<'result'>;
  throttled: Counter<'limiter'>;
  db: Histogram<'operation'>;
  dbErrors: Counter<'operation'>;
};

/** Series that exist from the start (at 0), so rate() and absent-series alerts see them at once. */
function zeroes(
  tokens: Families['tokens'],
  cimd: Families['cimd'],
  dcr: Families['dcr'],
  throttled: Families['throttled'],
): void {
  for (const grant of ['authorization_code', 'refresh_token', 'client_credentials'])
    for (const lane of LANES) tokens.inc({ grant, lane }, 0);
  for (const result of CIMD_RESULTS) cimd.inc({ result }, 0);
  for (const result of DCR_RESULTS) dcr.inc({ result }, 0);
  for (const limiter of LIMITERS) throttled.inc({ limiter }, 0);
}

function poolGauges(prom: Prom, registers: Registry[], names: string[], stats: () => PoolStats): void {
  names.push(
    'gatehouse_db_pool_connections',
    'gatehouse_db_pool_waiting_clients',
    'gatehouse_db_pool_max_connections',
  );
  new prom.Gauge({
    name: 'gatehouse_db_pool_connections',
    help: 'Open PostgreSQL pool connections, by state (idle or in_use).',
    labelNames: ['state'],
    registers,
    collect() {
      const s = stats();
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'in_use' }, s.total - s.idle);
    },
  });
  new prom.Gauge({
    name: 'gatehouse_db_pool_waiting_clients',
    help: 'Queries waiting for a PostgreSQL pool connection.',
    registers,
    collect() {
      this.set(stats().waiting);
    },
  });
  new prom.Gauge({
    name: 'gatehouse_db_pool_max_connections',
    help: 'The PostgreSQL pool size.',
    registers,
    collect() {
      this.set(stats().max);
    },
  });
}

/** The names collectDefaultMetrics added (to take them out again on close). */
function defaultMetricNames(registry: Registry, ours: string[]): string[] {
  return registry
    .getMetricsAsArray()
    .map((metric) => metric.name)
    .filter((name) => name.startsWith('gatehouse_') && !ours.includes(name));
}

function recorder(
  m: Families,
  registry: Registry,
  names: string[],
  routeOf: (pathname: string) => RouteOf,
  ownRegistry: boolean,
): PrometheusMetrics {
  let rendering: Promise<{ text: string; contentType: string }> | undefined;
  return {
    enabled: true,
    tokenIssued(grant, lane) {
      m.tokens.inc({ grant: GRANT_LABELS[grant] ?? 'other', lane: bounded(lane, LANES) });
    },
    oauthError(pathname, error) {
      m.errors.inc({ endpoint: routeOf(pathname).label, error: bounded(error, ERROR_CODES) });
    },
    cimdFetch(result: CimdFetchResult) {
      m.cimd.inc({ result: bounded(result, CIMD_RESULTS) });
      if (result === 'throttled') m.throttled.inc({ limiter: 'cimd_fetch' });
    },
    registration(type) {
      const result = bounded(type.replace(/^dcr\./, ''), DCR_RESULTS);
      m.dcr.inc({ result });
      if (result === 'rate_limited') m.throttled.inc({ limiter: 'registration' });
    },
    throttled(limiter: Limiter) {
      m.throttled.inc({ limiter: bounded(limiter, LIMITERS) });
    },
    request(route, method, status, seconds) {
      m.requests.observe(
        { route: route.label, method: methodLabel(method), status_class: statusClass(status) },
        seconds,
      );
    },
    storeCall(operation, seconds, failed) {
      m.db.observe({ operation }, seconds);
      if (failed) m.dbErrors.inc({ operation });
    },
    render() {
      // A burst of scrapes shares one rendering: the endpoint cannot be made to do more work than one.
      rendering ??= registry
        .metrics()
        .then((text) => ({ text, contentType: registry.contentType }))
        .finally(() => {
          rendering = undefined;
        });
      return rendering;
    },
    close() {
      if (ownRegistry) registry.clear();
      else for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
