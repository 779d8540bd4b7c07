import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseOptions, MACHINE_SECRET } from '../../helpers/fixtures.js';
import { MACHINE_AUTH, tokenRequest } from '../../helpers/oauth.js';
import { startServer, type TestServer } from '../../helpers/server.js';

/**
 * `"tracing": { "enabled": true }`: spans through @opentelemetry/api, here into an in-memory exporter
 * (the SDK is a dev dependency only; Gatehouse bundles none). One SERVER span per request named by its
 * route, one CLIENT child span per storage operation, and nothing secret in any attribute.
 */

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  // Parent and child spans across awaits need a context manager, as every Node SDK registers one.
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
  trace.disable();
});

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  exporter.reset();
});
async function serve(tracing: Record<string, unknown>): Promise<TestServer> {
  // A tracer provider is an object of this process: the server stays one instance in every topology.
  const srv = await startServer({ ...baseOptions(), tracing, singleInstance: 'spans go to this process' });
  servers.push(srv);
  exporter.reset();
  return srv;
}

const servers_ = (spans: ReadableSpan[]) => spans.filter((s) => s.kind === SpanKind.SERVER);
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

describe('OpenTelemetry tracing through @opentelemetry/api', () => {
  it('makes a SERVER span per request named by its route, with HTTP attributes, the grant and the lane, and a CLIENT child span per storage operation', async () => {
    const srv = await serve({ enabled: true, tracerProvider: provider });
    const response = await tokenRequest(
      srv,
      { grant_type: 'client_credentials' },
      { authorization: MACHINE_AUTH },
    );
    expect(response.status).toBe(200);
    const spans = exporter.getFinishedSpans();
    const [server] = servers_(spans);
    expect(server?.name).toBe('POST /token');
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/token',
      'http.response.status_code': 200,
      'url.scheme': 'http',
      'gatehouse.grant_type': 'client_credentials',
      'gatehouse.client_lane': 'preregistered',
    });
    expect(server?.status.code).not.toBe(SpanStatusCode.ERROR);
    const children = childrenOf(spans, server!);
    expect(children.length).toBeGreaterThan(0);
    for (const child of children) {
      expect(child.kind).toBe(SpanKind.CLIENT);
      expect(child.name).toMatch(/^gatehouse\.store \w+$/);
      expect(child.attributes['db.system.name']).toBe(
        srv.gh.store.dialect === 'postgres' ? 'postgresql' : 'sqlite',
      );
      expect(child.spanContext().traceId).toBe(server!.spanContext().traceId);
    }
    // Nothing secret: neither the client secret nor the token nor the query string is in any span.
    const recorded = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes })));
    expect(recorded).not.toContain(MACHINE_SECRET);
    expect(recorded).not.toContain(response.body.access_token);
    expect(recorded).not.toContain('authorization');
  });

  it('records a refusal as its OAuth error code on a span that is not an error (a 4xx is the client’s), and names an unmatched path by its method only', async () => {
    const srv = await serve({ enabled: true, tracerProvider: provider });
    const refused = await tokenRequest(srv, { grant_type: 'password' }, { authorization: MACHINE_AUTH });
    expect(refused.status).toBe(400);
    // Straight to the handler: an adapter passes a path that is not Gatehouse's on to the application.
    await srv.gh.fetch(new Request(`${srv.origin}/no/such/path?code=secret-code-value`), {
      remoteAddress: '127.0.0.1',
    });
    const [token, unmatched] = servers_(exporter.getFinishedSpans());
    expect(token?.attributes['gatehouse.oauth.error']).toBe('unsupported_grant_type');
    expect(token?.attributes['http.response.status_code']).toBe(400);
    expect(token?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(unmatched?.name).toBe('GET');
    expect(unmatched?.attributes['http.route']).toBeUndefined();
    expect(JSON.stringify(unmatched?.attributes)).not.toContain('secret-code-value');
  });

  it('uses the globally registered tracer provider when none is given, and makes no span at all when tracing is off', async () => {
    trace.setGlobalTracerProvider(provider);
    try {
      const off = await serve({ enabled: false });
      await fetch(`${off.issuer}/jwks.json`);
      expect(exporter.getFinishedSpans()).toHaveLength(0);
      const on = await serve({ enabled: true });
      await fetch(`${on.issuer}/jwks.json`);
      expect(servers_(exporter.getFinishedSpans()).map((s) => s.name)).toEqual(['GET /jwks.json']);
    } finally {
      trace.disable();
    }
  });
});
