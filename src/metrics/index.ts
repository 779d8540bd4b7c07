import type { ResolvedConfig } from '../config/resolve.js';
import type { Context, RequestInfo } from '../context.js';
import type { Store } from '../store/types.js';
import { scraper } from './endpoint.js';
import { createPrometheusMetrics, type PoolStats, type PrometheusMetrics } from './prometheus.js';
import { type Metrics, NO_METRICS } from './recorder.js';
import { routeResolver } from './routes.js';
import { observeStore, type StoreObserver } from './store.js';
import { createTracing, type Tracing } from './tracing.js';

export type { PoolStats } from './prometheus.js';
export type { CimdFetchResult, Limiter, Metrics } from './recorder.js';
export { NO_METRICS } from './recorder.js';

/**
 * Metrics and tracing for one Gatehouse instance (src/gatehouse.ts): what the handlers call
 * (`metrics`, as ctx.metrics), the store they use (timed when either is on), and the wrapper around each
 * request. With both off, `metrics` is NO_METRICS, the store is the store, and `serve` just runs.
 */
export interface Observability {
  metrics: Metrics;
  store: Store;
  /** `dispatch` timed and traced; `dispatch` itself when both are off (nothing added per request). */
  wrap<R>(dispatch: Dispatch<R>): Dispatch<R>;
  close(): void;
}

type Dispatch<R> = (ctx: Context, routes: R, req: RequestInfo) => Promise<Response>;

/** A store that can say how its connection pool is doing (the PostgreSQL KyselyStore). */
type PooledStore = Store & { poolStats?: () => PoolStats | undefined };

export async function createObservability(config: ResolvedConfig, store: Store): Promise<Observability> {
  const { metrics: options, tracing: tracingOptions } = config;
  if (!options.enabled && !tracingOptions.enabled) {
    return { metrics: NO_METRICS, store, wrap: (dispatch) => dispatch, close: () => {} };
  }
  const routeOf = routeResolver(config.issuerPath, options.path);
  const pool = (store as PooledStore).poolStats;
  const prom: PrometheusMetrics | undefined = options.enabled
    ? await createPrometheusMetrics({
        registry: options.registry,
        processMetrics: options.processMetrics,
        routeOf,
        poolStats: pool?.call(store) ? () => pool.call(store)! : undefined,
      })
    : undefined;
  const tracing: Tracing | undefined = tracingOptions.enabled
    ? await createTracing(tracingOptions.tracerProvider, store.dialect)
    : undefined;
  let metrics: Metrics = prom ? { ...prom, scrape: scraper(options, () => prom.render()) } : NO_METRICS;
  if (tracing) metrics = tracing.annotate(metrics);
  const observe = requestObserver(routeOf, prom, tracing);
  return {
    metrics,
    store: observeStore(store, storeObserver(prom, tracing)),
    wrap: (dispatch) => (ctx, routes, req) => observe(req, () => dispatch(ctx, routes, req)),
    close: () => prom?.close(),
  };
}

function storeObserver(prom: PrometheusMetrics | undefined, tracing: Tracing | undefined): StoreObserver {
  const timed: StoreObserver = prom
    ? async (operation, call) => {
        const started = performance.now();
        let failed = true;
        try {
          const result = await call();
          failed = false;
          return result;
        } finally {
          prom.storeCall(operation, (performance.now() - started) / 1000, failed);
        }
      }
    : (_operation, call) => call();
  return tracing ? (operation, call) => tracing.store(operation, () => timed(operation, call)) : timed;
}

function requestObserver(
  routeOf: ReturnType<typeof routeResolver>,
  prom: PrometheusMetrics | undefined,
  tracing: Tracing | undefined,
): (req: RequestInfo, run: () => Promise<Response>) => Promise<Response> {
  const timed = prom
    ? async (req: RequestInfo, run: () => Promise<Response>) => {
        const started = performance.now();
        const response = await run();
        const route = routeOf(req.url.pathname);
        prom.request(route, req.request.method, response.status, (performance.now() - started) / 1000);
        return response;
      }
    : (_req: RequestInfo, run: () => Promise<Response>) => run();
  if (!tracing) return timed;
  return (req, run) => tracing.request(req, routeOf(req.url.pathname), () => timed(req, run));
}
