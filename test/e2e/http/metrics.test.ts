import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../../src/gatehouse.js';
import { effectiveSettings } from '../../../src/operations/settings.js';
import { authorizationUrl, DocumentHost } from '../../helpers/cimd.js';
import { register } from '../../helpers/dcr.js';
import { baseOptions } from '../../helpers/fixtures.js';
import { MACHINE_AUTH, obtainTokens, refresh, tokenRequest, windowClock } from '../../helpers/oauth.js';
import { parseExposition, scrape } from '../../helpers/prometheus.js';
import { startServer, TEST_SECRET, type TestServer, testDatabase } from '../../helpers/server.js';

/**
 * DESIGN §4: `"metrics": { "enabled": true }` serves Prometheus text at GET {origin}/metrics, names
 * prefixed gatehouse_, and an unauthenticated request from loopback works when no protection is
 * configured. docs/operations.md ("Metrics and alerts") lists every metric; these tests hold the counts
 * to exactly what the requests did.
 */

const CIMD_CLIENT = 'https://tool.example.com/oauth/client.json';
const MISSING_CLIENT = 'https://tool.example.com/oauth/missing.json';
const POSTGRES = process.env['GATEHOUSE_TEST_DATABASE'] === 'postgres';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
/** Each instance counts and serves its own metrics: these servers stay one instance in every topology. */
const ONE = 'each instance counts and serves its own metrics';
async function serve(
  options: Exclude<Parameters<typeof startServer>[0], ((...args: never) => unknown) | undefined>,
): Promise<TestServer> {
  const srv = await startServer({ singleInstance: ONE, ...options });
  servers.push(srv);
  return srv;
}

function metricsServer(host: DocumentHost, metrics: Record<string, unknown> = {}) {
  return serve({
    ...baseOptions(),
    dcr: { enabled: true },
    cimd: { enabled: true, fetch: host.fetch },
    metrics: { enabled: true, processMetrics: false, ...metrics },
  });
}

describe('Prometheus metrics at GET {origin}/metrics (DESIGN §4)', () => {
  it('counts tokens by grant and lane, refusals by endpoint and code, registrations, CIMD fetches, request latencies and storage operations, each by exactly what happened', async () => {
    const host = new DocumentHost();
    host.publish(CIMD_CLIENT);
    const srv = await metricsServer(host);
    const url = `${srv.origin}/metrics`;
    const before = await scrape(url);

    const tokens = await obtainTokens(srv);
    expect((await refresh(srv, tokens.refresh_token!)).status).toBe(200);
    const machine = await tokenRequest(
      srv,
      { grant_type: 'client_credentials' },
      { authorization: MACHINE_AUTH },
    );
    expect(machine.status).toBe(200);
    const badCode = await tokenRequest(srv, {
      grant_type: 'authorization_code',
      code: 'ghc_bogus.bogus',
      code_verifier: 'x'.repeat(43),
      client_id: 'native-app',
      redirect_uri: 'http://127.0.0.1:5555/callback',
    });
    expect(badCode.body.error).toBe('invalid_grant');
    const badGrant = await tokenRequest(srv, { grant_type: 'password' }, { authorization: MACHINE_AUTH });
    expect(badGrant.body.error).toBe('unsupported_grant_type');
    const registration = { redirect_uris: ['http://127.0.0.1:7000/cb'], client_name: 'Metrics Tool' };
    expect((await register(srv.issuer, registration)).status).toBe(201);
    expect((await register(srv.issuer, registration)).status).toBe(201);
    expect((await register(srv.issuer, { redirect_uris: ['ftp://x.example/cb'] })).status).toBe(400);
    const found = await authorizationUrl(srv.issuer, CIMD_CLIENT, 'http://127.0.0.1/callback');
    expect((await fetch(found.url, { redirect: 'manual' })).status).not.toBe(400);
    const missing = await authorizationUrl(srv.issuer, MISSING_CLIENT, 'http://127.0.0.1/callback');
    expect((await fetch(missing.url, { redirect: 'manual' })).status).toBe(400);

    const after = await scrape(url);
    const moved = (name: string, labels?: Record<string, string>) =>
      after.value(name, labels) - before.value(name, labels);
    const issued = (grant: string) =>
      moved('gatehouse_tokens_issued_total', { grant, lane: 'preregistered' });
    expect(issued('authorization_code')).toBe(1);
    expect(issued('refresh_token')).toBe(1);
    expect(issued('client_credentials')).toBe(1);
    expect(moved('gatehouse_tokens_issued_total', { grant: 'authorization_code', lane: 'cimd' })).toBe(0);
    const refused = (error: string, endpoint = 'token') =>
      moved('gatehouse_oauth_errors_total', { endpoint, error });
    expect(refused('invalid_grant')).toBe(1);
    expect(refused('unsupported_grant_type')).toBe(1);
    expect(
      refused('invalid_redirect_uri', 'registration') + refused('invalid_client_metadata', 'registration'),
    ).toBe(1);
    expect(moved('gatehouse_dcr_registrations_total', { result: 'registered' })).toBe(1);
    expect(moved('gatehouse_dcr_registrations_total', { result: 'reused' })).toBe(1);
    expect(moved('gatehouse_dcr_registrations_total', { result: 'rejected' })).toBe(1);
    expect(moved('gatehouse_cimd_fetches_total', { result: 'fetched' })).toBe(1);
    expect(moved('gatehouse_cimd_fetches_total', { result: 'failed' })).toBe(1);
    const tokenLatency = (status_class: string) =>
      moved('gatehouse_http_request_duration_seconds_count', {
        route: 'token',
        method: 'POST',
        status_class,
      });
    expect(tokenLatency('2xx')).toBe(3);
    expect(tokenLatency('4xx')).toBe(2);
    expect(moved('gatehouse_db_query_duration_seconds_count', { operation: 'redeemAuthorizationCode' })).toBe(
      1,
    );
    expect(moved('gatehouse_db_query_duration_seconds_count', { operation: 'rotateRefreshToken' })).toBe(1);
    expect(after.types.get('gatehouse_http_request_duration_seconds')).toBe('histogram');
    for (const name of after.types.keys()) expect(name).toMatch(/^gatehouse_/);
    // PostgreSQL has a pool to watch; SQLite has none, and no pool series is made up for it.
    expect(after.types.has('gatehouse_db_pool_waiting_clients')).toBe(POSTGRES);
    if (POSTGRES) expect(after.value('gatehouse_db_pool_max_connections')).toBe(10);
  });

  it('counts every 429 by the limit that applied: credential failures at the token endpoint, the registration quota, refused anonymous requests', async () => {
    const srv = await serve({
      ...baseOptions(),
      maxCredentialFailuresPerMinute: 2,
      rejectionThrottle: { maxRejections: 3 },
      clock: windowClock().now,
      dcr: { enabled: true, maxRegistrationsPerWindow: 1, maxRegistrationsGlobal: 4 },
      metrics: { enabled: true, processMetrics: false },
    });
    const wrong = { authorization: `Basic ${Buffer.from('machine:wrong-secret').toString('base64')}` };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await tokenRequest(srv, { grant_type: 'client_credentials' }, wrong)).status);
    expect(statuses).toEqual([401, 401, 429]);
    const first = await register(srv.issuer, { redirect_uris: ['http://127.0.0.1:7001/cb'] });
    const second = await register(srv.issuer, { redirect_uris: ['http://127.0.0.1:7002/cb'] });
    expect([first.status, second.status]).toEqual([201, 429]);
    // Refusals of /authorize count against the network (rejectionThrottle): the fourth is throttled.
    const refusals: number[] = [];
    for (let i = 0; i < 3; i++)
      refusals.push((await fetch(`${srv.issuer}/authorize?client_id=nobody`, { redirect: 'manual' })).status);
    expect(refusals).toContain(429);
    const m = await scrape(`${srv.origin}/metrics`);
    expect(m.value('gatehouse_throttled_total', { limiter: 'credential_failures' })).toBe(1);
    expect(m.value('gatehouse_throttled_total', { limiter: 'registration' })).toBe(1);
    expect(m.value('gatehouse_dcr_registrations_total', { result: 'rate_limited' })).toBe(1);
    expect(m.value('gatehouse_throttled_total', { limiter: 'refused_requests' })).toBe(
      refusals.filter((s) => s === 429).length,
    );
    expect(m.value('gatehouse_throttled_total', { limiter: 'sign_in' })).toBe(0);
    expect(m.value('gatehouse_oauth_errors_total', { endpoint: 'token', error: 'invalid_client' })).toBe(2);
    expect(m.value('gatehouse_oauth_errors_total', { endpoint: 'token', error: 'rate_limited' })).toBe(1);
  });

  it('answers an unauthenticated request from loopback with Prometheus text, at the origin even when the issuer has a path', async () => {
    const srv = await serve({ ...baseOptions(), issuerPath: '/auth', metrics: { enabled: true } });
    const response = await fetch(`${srv.origin}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const exposition = parseExposition(await response.text());
    // Process metrics are on by default, under the same prefix.
    expect(exposition.types.get('gatehouse_process_cpu_user_seconds_total')).toBe('counter');
    expect((await fetch(`${srv.issuer}/metrics`)).status).toBe(404);
  });

  it('is not served when metrics are not enabled (404), and a configured path moves it', async () => {
    const off = await serve(baseOptions());
    expect((await fetch(`${off.origin}/metrics`)).status).toBe(404);
    const moved = await serve({ ...baseOptions(), metrics: { enabled: true, path: '/internal/prometheus' } });
    expect((await fetch(`${moved.origin}/metrics`)).status).toBe(404);
    expect((await fetch(`${moved.origin}/internal/prometheus`)).status).toBe(200);
  });

  it('with metrics.token, a scrape needs Authorization: Bearer <token>; none or a wrong one is 401 with a Bearer challenge, and the sha256: form of the token works the same', async () => {
    const token = 'scrape-token-0123456789-abcdefghijklmnop';
    for (const configured of [token, `sha256:${createHash('sha256').update(token).digest('hex')}`]) {
      const srv = await serve({ ...baseOptions(), metrics: { enabled: true, token: configured } });
      const url = `${srv.origin}/metrics`;
      for (const authorization of [
        undefined,
        'Bearer wrong',
        `Basic ${token}`,
        `Bearer ${token}x`,
        configured,
      ]) {
        const response = await fetch(url, { headers: authorization ? { authorization } : {} });
        if (authorization === configured && configured === token) continue;
        expect(response.status, String(authorization)).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect((await response.json()).error).toBe('invalid_token');
      }
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(url, { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
      // The dashboard's Settings show that a token is set, never the token or its hash.
      const settings = JSON.stringify(effectiveSettings(srv.gh.context));
      expect(settings).toContain('"token":"[hidden]"');
      expect(settings).not.toContain(token);
      expect(settings).not.toContain(srv.gh.config.metrics.tokenDigest!);
      await srv.close();
      servers = servers.filter((s) => s !== srv);
    }
  });

  it('refuses a client that is not on loopback (403) unless metrics.allowFrom lists its address; the address is the one trustedProxies vouch for', async () => {
    const closed = await serve({
      ...baseOptions(),
      trustedProxies: ['127.0.0.1'],
      metrics: { enabled: true },
    });
    const far = { 'x-forwarded-for': '203.0.113.7' };
    const refused = await fetch(`${closed.origin}/metrics`, { headers: far });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toBe('forbidden');
    const open = await serve({
      ...baseOptions(),
      trustedProxies: ['127.0.0.1'],
      metrics: { enabled: true, allowFrom: ['203.0.113.0/24', '2001:db8::/32'] },
    });
    expect((await fetch(`${open.origin}/metrics`, { headers: far })).status).toBe(200);
    expect(
      (await fetch(`${open.origin}/metrics`, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status,
    ).toBe(403);
    // allowFrom replaces the loopback default: loopback itself is now refused unless listed.
    expect((await fetch(`${open.origin}/metrics`)).status).toBe(403);
  });

  it('under the loopback default, a request relayed by a proxy that is not trusted (it carries a forwarding header) is refused', async () => {
    const srv = await serve({ ...baseOptions(), metrics: { enabled: true } });
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const response = await fetch(`${srv.origin}/metrics`, { headers: { [header]: '127.0.0.1' } });
      expect(response.status, header).toBe(403);
    }
  });

  it('keeps the counts of two instances in one process apart, and registers into an application registry given as metrics.registry, one Gatehouse per registry', async () => {
    const registry = new Registry();
    const appCounter = new (await import('prom-client')).Counter({
      name: 'app_jobs_total',
      help: 'jobs',
      registers: [registry],
    });
    appCounter.inc(3);
    const a = await serve({ ...baseOptions(), metrics: { enabled: true, processMetrics: false, registry } });
    const b = await serve({ ...baseOptions(), metrics: { enabled: true, processMetrics: false } });
    await tokenRequest(a, { grant_type: 'client_credentials' }, { authorization: MACHINE_AUTH });
    const issued = { grant: 'client_credentials', lane: 'preregistered' };
    const fromA = await scrape(`${a.origin}/metrics`);
    expect(fromA.value('gatehouse_tokens_issued_total', issued)).toBe(1);
    expect(fromA.value('app_jobs_total')).toBe(3);
    expect((await scrape(`${b.origin}/metrics`)).value('gatehouse_tokens_issued_total', issued)).toBe(0);
    const exposition = parseExposition(await registry.metrics());
    expect(exposition.value('gatehouse_tokens_issued_total', issued)).toBe(1);
    const database = await testDatabase();
    try {
      await expect(
        createGatehouse({
          issuer: 'http://127.0.0.1:1',
          secret: TEST_SECRET,
          database: database.url,
          logger: false,
          metrics: { enabled: true, processMetrics: false, registry },
        }),
      ).rejects.toThrow(/registry of its own/);
    } finally {
      await database.cleanup();
    }
    // Closing an instance takes its metrics out of the application's registry, and only those.
    await a.close();
    servers = servers.filter((s) => s !== a);
    const left = parseExposition(await registry.metrics());
    expect(left.types.has('gatehouse_tokens_issued_total')).toBe(false);
    expect(left.value('app_jobs_total')).toBe(3);
  });
});
