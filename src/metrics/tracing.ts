import type { Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { RequestInfo } from '../context.js';
import type { Metrics } from './recorder.js';
import type { RouteOf } from './routes.js';
import type { StoreObserver } from './store.js';

/**
 * OpenTelemetry traces through `@opentelemetry/api` only: Gatehouse bundles no SDK and exports nothing
 * itself. With an SDK registered (or `tracing.tracerProvider`), each request is a SERVER span named
 * "{method} {route}" (the route template, never the raw path) that continues an incoming `traceparent`
 * through the registered propagator, and each storage operation within it is a CLIENT child span. Spans
 * carry no query string, header, credential or address: only the route, method, status, error code,
 * grant type and client lane. The attribute names follow the OpenTelemetry HTTP and database semantic
 * conventions.
 */
export interface Tracing {
  request(req: RequestInfo, route: RouteOf, run: () => Promise<Response>): Promise<Response>;
  store: StoreObserver;
  /** `metrics` that also annotate the request's span. */
  annotate(metrics: Metrics): Metrics;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const headerGetter = {
  keys: (carrier: Headers) => [...carrier.keys()],
  get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
};

export async function createTracing(
  provider: TracerProvider | undefined,
  dialect: 'sqlite' | 'postgres',
): Promise<Tracing> {
  const api = await import('@opentelemetry/api');
  const tracer: Tracer = (provider ?? api.trace.getTracerProvider()).getTracer('gatehouse');
  const dbSystem = dialect === 'postgres' ? 'postgresql' : 'sqlite';
  const fail = (span: Span, error: unknown) => {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: api.SpanStatusCode.ERROR });
  };
  const activeSpan = () => api.trace.getSpan(api.context.active());
  return {
    request(req, route, run) {
      const parent = api.propagation.extract(api.context.active(), req.request.headers, headerGetter);
      const method = KNOWN_METHODS.has(req.request.method) ? req.request.method : '_OTHER';
      const attributes: Record<string, string> = {
        'http.request.method': method,
        'url.scheme': req.url.protocol.replace(':', ''),
        'gatehouse.route': route.label,
      };
      if (route.template) attributes['http.route'] = route.template;
      const name = route.template ? `${method === '_OTHER' ? 'HTTP' : method} ${route.template}` : method;
      const options = { kind: api.SpanKind.SERVER, attributes };
      return tracer.startActiveSpan(name, options, parent, async (span) => {
        try {
          const response = await run();
          span.setAttribute('http.response.status_code', response.status);
          // Semantic conventions: a server span is an error for a 5xx only (a 4xx is the client's).
          if (response.status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
          return response;
        } catch (error) {
          fail(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
    store(operation, call) {
      // Only inside a request's span: housekeeping and start-up make no root spans of their own.
      if (!activeSpan()) return call();
      const attributes = { 'db.system.name': dbSystem, 'db.operation.name': operation };
      return tracer.startActiveSpan(
        `gatehouse.store ${operation}`,
        { kind: api.SpanKind.CLIENT, attributes },
        async (span) => {
          try {
            return await call();
          } catch (error) {
            fail(span, error);
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
    annotate(metrics) {
      return {
        ...metrics,
        tokenIssued(grant, lane) {
          metrics.tokenIssued(grant, lane);
          activeSpan()?.setAttributes({ 'gatehouse.grant_type': grant, 'gatehouse.client_lane': lane });
        },
        oauthError(pathname, error) {
          metrics.oauthError(pathname, error);
          activeSpan()?.setAttribute('gatehouse.oauth.error', error);
        },
      };
    },
  };
}
