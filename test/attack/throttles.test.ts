import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatehouseOptions } from '../../src/config/options.js';
import { authorizationUrl, cimdOptions, DocumentHost } from '../helpers/cimd.js';
import { dcrOptions, register } from '../helpers/dcr.js';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { startHttpsServer } from '../helpers/https.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { decodeEntities, UserAgent } from '../helpers/user-agent.js';

/**
 * No throttle can be turned against the people it protects (issue 11 part 5). Black-box over HTTP;
 * a trusted proxy on loopback lets each request speak for a client network through X-Forwarded-For.
 * Counters live in the database: run with GATEHOUSE_TEST_DATABASE=postgres as well.
 */

const PROXY = { trustedProxies: ['127.0.0.1'] };

/** One sign-in attempt through the real form, from `ip`. */
async function signIn(srv: TestServer, ip: string, email: string, password: string): Promise<Response> {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/login`, { headers: { 'x-forwarded-for': ip } });
  const csrf = /name="csrf" value="([^"]*)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('no CSRF field on the sign-in page');
  return agent.request(`${srv.issuer}/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: srv.origin,
      'x-forwarded-for': ip,
    },
    body: new URLSearchParams({ csrf: decodeEntities(csrf), email, password }),
  });
}

/** The newest audit event's detail; an event stored in aggregate (flood bounds) keeps it as `sample`. */
function failureDetail(events: { detail: Record<string, unknown> }[]): Record<string, unknown> {
  const detail = events[0]?.detail ?? {};
  return detail['aggregated'] ? (detail['sample'] as Record<string, unknown>) : detail;
}

const statusOf = async (response: Promise<Response>) => {
  const r = await response;
  await r.arrayBuffer();
  return r.status;
};

describe('sign-in throttling cannot lock the owner out (OWASP ASVS 2.2.1, Authentication Cheat Sheet "Account Lockout")', () => {
  let srv: TestServer;
  const frozen = Date.now();
  beforeAll(async () => {
    srv = await startServer({ ...baseOptions(), ...PROXY, clock: () => frozen });
  });
  afterAll(() => srv.close());

  it("after 50 wrong passwords from an attacker's network, the owner signs in from another network", async () => {
    const statuses: number[] = [];
    // Rotating addresses inside the attacker's /24 gains nothing.
    for (let i = 0; i < 50; i++)
      statuses.push(await statusOf(signIn(srv, `203.0.113.${(i % 200) + 1}`, USER.email, `wrong ${i}`)));
    expect(statuses.slice(0, 10)).toEqual(new Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(new Array(40).fill(429));
    const owner = await signIn(srv, '198.51.100.7', USER.email, USER.password);
    expect(owner.status).toBe(303);
    expect(owner.headers.getSetCookie().some((c) => c.startsWith('gatehouse_session='))).toBe(true);
  });

  it("the attacker's network stays blocked for that account, even with the right password, with Retry-After and a clear page", async () => {
    const blocked = await signIn(srv, '203.0.113.250', USER.email, USER.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.headers.getSetCookie().some((c) => c.startsWith('gatehouse_session='))).toBe(false);
    expect(decodeEntities(await blocked.text())).toMatch(
      /Too many failed sign-in attempts for this account from your network\. Try again in \d+ minutes?\./,
    );
    // Another account from that network is not blocked by this account's counter.
    expect(await statusOf(signIn(srv, '203.0.113.251', 'someone@example.com', 'whatever1'))).toBe(401);
  });

  it("a successful sign-in resets that network's counter for the account", async () => {
    const net = '192.0.2.';
    for (let i = 0; i < 9; i++)
      expect(await statusOf(signIn(srv, `${net}${i}`, USER.email, 'nope'))).toBe(401);
    expect(await statusOf(signIn(srv, `${net}20`, USER.email, USER.password))).toBe(303);
    for (let i = 0; i < 10; i++)
      expect(await statusOf(signIn(srv, `${net}${i}`, USER.email, 'nope'))).toBe(401);
    expect(await statusOf(signIn(srv, `${net}30`, USER.email, USER.password))).toBe(429);
  });
});

describe('the per-IP sign-in limit counts failures only', () => {
  let srv: TestServer;
  const frozen = Date.now();
  beforeAll(async () => {
    srv = await startServer({
      ...baseOptions(),
      ...PROXY,
      clock: () => frozen,
      loginThrottle: { maxFailuresPerIp: 4 },
    });
  });
  afterAll(() => srv.close());

  it('successful sign-ins from a busy address do not use up its budget; failures across accounts do', async () => {
    for (let i = 0; i < 8; i++)
      expect(await statusOf(signIn(srv, '203.0.113.40', USER.email, USER.password))).toBe(303);
    for (let i = 0; i < 4; i++)
      expect(await statusOf(signIn(srv, '203.0.113.40', `user${i}@example.com`, 'wrong'))).toBe(401);
    const blocked = await signIn(srv, '203.0.113.40', USER.email, USER.password);
    expect(blocked.status).toBe(429);
    expect(decodeEntities(await blocked.text())).toContain(
      'Too many failed sign-in attempts from your network',
    );
    // The neighbour in the same /24 has a budget of its own (per IP), and so does everyone else.
    expect(await statusOf(signIn(srv, '203.0.113.41', USER.email, USER.password))).toBe(303);
  });

  it('signing in to an account of their own between guesses buys an attacker no extra guesses', async () => {
    // A success gives back only its own hit, so the failures between successes still add up.
    const ip = '203.0.113.60';
    const guesses: number[] = [];
    for (let i = 0; i < 8; i++) {
      await statusOf(signIn(srv, ip, USER.email, USER.password));
      guesses.push(await statusOf(signIn(srv, ip, `victim${i}@example.com`, 'guess')));
    }
    expect(guesses).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
  });
});

describe('failures from many networks slow an account down but never lock it', () => {
  let srv: TestServer;
  const frozen = Date.now();
  beforeAll(async () => {
    srv = await startServer({
      ...baseOptions(),
      ...PROXY,
      clock: () => frozen,
      loginThrottle: { accountSlowdownAfter: 5, accountSlowdownMs: 2000 },
    });
  });
  afterAll(() => srv.close());

  it('past the per-account ceiling every attempt is delayed alike, and the owner still signs in', async () => {
    for (let i = 0; i < 6; i++) await statusOf(signIn(srv, `10.${i}.0.1`, USER.email, 'wrong'));
    let started = performance.now();
    expect(await statusOf(signIn(srv, '10.99.0.1', USER.email, 'wrong again'))).toBe(401);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1990);
    started = performance.now();
    expect(await statusOf(signIn(srv, '198.51.100.9', USER.email, USER.password))).toBe(303);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1990);
    // Other accounts are not slowed.
    started = performance.now();
    expect(await statusOf(signIn(srv, '10.99.0.2', 'other@example.com', 'wrong'))).toBe(401);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('every per-IP limit keys IPv6 by /64 (and IPv4-mapped IPv6 as IPv4)', () => {
  let srv: TestServer;
  const frozen = Date.now();
  beforeAll(async () => {
    srv = await startServer({
      ...dcrOptions({ maxRegistrationsPerWindow: 2, maxRegistrationsGlobal: 40 }),
      ...PROXY,
      clock: () => frozen,
      loginThrottle: { maxFailuresPerIp: 3 },
      maxCredentialFailuresPerMinute: 3,
    });
  });
  afterAll(() => srv.close());

  it('sign-in: addresses in one /64 share a failure budget; another /64 has its own', async () => {
    for (const [i, ip] of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:DB8:1:2:0:0:0:3'].entries())
      expect(await statusOf(signIn(srv, ip, `v6-${i}@example.com`, 'wrong'))).toBe(401);
    expect(await statusOf(signIn(srv, '2001:db8:1:2:ffff:ffff:ffff:ffff', USER.email, USER.password))).toBe(
      429,
    );
    expect(await statusOf(signIn(srv, '2001:db8:1:3::1', USER.email, USER.password))).toBe(303);
  });

  it('DCR: registrations from one /64 share a limit; another /64 registers', async () => {
    const from = (ip: string, i: number) =>
      register(srv.issuer, { redirect_uris: [`http://127.0.0.1/v6-${i}`] }, { 'x-forwarded-for': ip });
    expect((await from('2001:db8:a:b::1', 1)).status).toBe(201);
    expect((await from('2001:db8:a:b:1:2:3:4', 2)).status).toBe(201);
    expect((await from('2001:db8:a:b:ffff::9', 3)).status).toBe(429);
    expect((await from('2001:db8:a:c::1', 4)).status).toBe(201);
  });

  it('the credential failure limiter (token endpoint): one /64 shares a budget; IPv4-mapped counts as IPv4', async () => {
    const guess = (ip: string, i: number) =>
      statusOf(
        fetch(`${srv.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            client_id: 'native-app',
            refresh_token: `ghr_${'A'.repeat(22)}.${String(i).padStart(43, 'B')}`,
          }),
        }),
      );
    for (let i = 0; i < 3; i++) expect(await guess(`2001:db8:5:6::${i + 1}`, i)).toBe(400);
    expect(await guess('2001:db8:5:6:abcd::1', 9)).toBe(429);
    expect(await guess('2001:db8:5:7::1', 9)).toBe(400);
    for (let i = 0; i < 3; i++) expect(await guess('198.51.100.77', i)).toBe(400);
    // ::ffff:c633:644d is 198.51.100.77.
    expect(await guess('::ffff:c633:644d', 9)).toBe(429);
  });
});

describe('the DCR global quota cannot be spent from one /64', () => {
  let srv: TestServer;
  const frozen = Date.now();
  beforeAll(async () => {
    srv = await startServer({
      ...dcrOptions({ maxRegistrationsPerWindow: 5, maxRegistrationsGlobal: 20 }),
      ...PROXY,
      clock: () => frozen,
    });
  });
  afterAll(() => srv.close());

  it('100 registrations from 100 addresses in one /64 create 5 clients; other networks still register', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const ip = `2001:db8:77:1:${(i + 1).toString(16)}::${(i * 7 + 1).toString(16)}`;
      statuses.push(
        (await register(srv.issuer, { redirect_uris: [`http://127.0.0.1/f${i}`] }, { 'x-forwarded-for': ip }))
          .status,
      );
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(95);
    for (let n = 0; n < 10; n++) {
      const other = await register(
        srv.issuer,
        { redirect_uris: [`http://127.0.0.1/other${n}`] },
        { 'x-forwarded-for': `198.51.100.${n + 1}` },
      );
      expect(other.status).toBe(201);
    }
  });
});

describe('CIMD: junk URLs and failing refreshes do not lock out a real client', () => {
  const REAL = 'https://tools.example.com/real.json';
  const REDIRECT = 'http://127.0.0.1:5000/callback';
  const start = (srv: TestServer, clientId: string, ip: string) =>
    authorizationUrl(srv.issuer, clientId, REDIRECT).then(({ url }) =>
      fetch(url, { redirect: 'manual', headers: { 'x-forwarded-for': ip } }),
    );
  const serve = (host: DocumentHost, clock: () => number, cimd: GatehouseOptions['cimd'] = {}) =>
    startServer({ ...cimdOptions(host, cimd), ...PROXY, clock });

  it("30+ junk URLs under the real client's host do not stop the real client's refresh once its document expired", async () => {
    let now = Date.now();
    const host = new DocumentHost();
    host.publish(REAL, {}, { 'cache-control': 'max-age=60' });
    const srv = await serve(host, () => now);
    try {
      expect((await start(srv, REAL, '198.51.100.1')).status).toBe(302);
      now += 61_000;
      const junk: number[] = [];
      for (let i = 0; i < 40; i++)
        junk.push(
          await statusOf(start(srv, `https://tools.example.com/junk${i}.json`, `203.0.113.${i >> 3}`)),
        );
      expect(junk.every((s) => s === 400)).toBe(true);
      // The host's budget for unknown URLs is spent…
      expect(host.requests.filter((r) => r.url.includes('/junk')).length).toBe(30);
      // …but the real client's refresh has a budget of its own.
      const real = await start(srv, REAL, '198.51.100.2');
      expect(real.status).toBe(302);
      expect(real.headers.get('location')).toMatch(/\/login\?interaction=/);
      expect(host.count(REAL)).toBe(2);
    } finally {
      await srv.close();
    }
  });

  it('a throttled refresh serves the document validated before, and the failure is audited', async () => {
    let now = Date.now();
    const host = new DocumentHost();
    const OTHER = 'https://tools.example.com/other.json';
    host.publish(REAL, {}, { 'cache-control': 'max-age=60' });
    host.publish(OTHER, {}, { 'cache-control': 'max-age=60' });
    const srv = await serve(host, () => now, { refreshesPerHostPerMinute: 1 });
    try {
      expect((await start(srv, REAL, '198.51.100.1')).status).toBe(302);
      expect((await start(srv, OTHER, '198.51.100.1')).status).toBe(302);
      now += 61_000;
      expect((await start(srv, OTHER, '203.0.113.9')).status).toBe(302);
      const stale = await start(srv, REAL, '198.51.100.3');
      expect(stale.status).toBe(302);
      expect(host.count(REAL)).toBe(1);
      const detail = failureDetail(
        await srv.gh.store.listAuditEvents({ type: 'cimd.fetch_failed', clientId: REAL }),
      );
      expect(detail).toMatchObject({ stale: true, stale_for: 1 });
      expect(String(detail.reason)).toMatch(/too often/);
    } finally {
      await srv.close();
    }
  });

  it('fetches in flight are capped per client IP, while another IP still gets through', async () => {
    const hold: (() => void)[] = [];
    let slowInFlight = 0;
    let slowPeak = 0;
    const slowHost = async (url: string): Promise<Response> => {
      if (url.includes('slow')) {
        slowPeak = Math.max(slowPeak, ++slowInFlight);
        await new Promise<void>((resolve) => hold.push(resolve));
        slowInFlight--;
      }
      return Response.json({ client_id: url, client_name: 'Tool', redirect_uris: [REDIRECT] });
    };
    const srv = await startServer({
      ...baseOptions(),
      ...PROXY,
      cimd: { enabled: true, fetch: slowHost, maxConcurrentFetchesPerIp: 2, timeoutMs: 10_000 },
    });
    try {
      const settled: number[] = [];
      const flood = Array.from({ length: 8 }, (_, i) =>
        statusOf(start(srv, `https://slow${i}.example.net/c.json`, '2001:db8:bad:1::1')).then((s) => {
          settled.push(s);
          return s;
        }),
      );
      // Two fetches hang at the slow host; the other six are refused at once.
      await expect.poll(() => hold.length).toBe(2);
      await expect.poll(() => settled.length).toBe(6);
      expect(settled).toEqual(new Array(6).fill(400));
      // Another address in the same /64 is refused too; another network is not.
      expect(await statusOf(start(srv, 'https://slow-x.example.net/c.json', '2001:db8:bad:1::2'))).toBe(400);
      expect(await statusOf(start(srv, 'https://fast.example.org/c.json', '198.51.100.4'))).toBe(302);
      expect(slowPeak).toBe(2);
      for (const release of hold) release();
      expect((await Promise.all(flood)).filter((s) => s === 302)).toHaveLength(2);
    } finally {
      for (const release of hold) release();
      await srv.close();
    }
  });

  it("a network at its cap on fetches in flight gets the copy validated before, and holds back no one else's refresh", async () => {
    let now = Date.now();
    const host = new DocumentHost();
    host.publish(REAL, {}, { 'cache-control': 'max-age=60' });
    const hold: (() => void)[] = [];
    const fetch = async (url: string, init: { headers: Record<string, string> }) => {
      if (url.includes('slow')) await new Promise<void>((resolve) => hold.push(resolve));
      return host.fetch(url, init);
    };
    const srv = await startServer({
      ...baseOptions(),
      ...PROXY,
      clock: () => now,
      cimd: { enabled: true, fetch, maxConcurrentFetchesPerIp: 2, timeoutMs: 10_000 },
    });
    try {
      expect((await start(srv, REAL, '198.51.100.1')).status).toBe(302);
      now += 61_000;
      const stuck = [0, 1].map((i) =>
        statusOf(start(srv, `https://slow${i}.example.net/c.json`, '203.0.113.5')),
      );
      await expect.poll(() => hold.length).toBe(2);
      expect((await start(srv, REAL, '203.0.113.5')).status).toBe(302);
      expect(host.count(REAL)).toBe(1);
      expect((await start(srv, REAL, '198.51.100.2')).status).toBe(302);
      expect(host.count(REAL)).toBe(2);
      for (const release of hold) release();
      await Promise.all(stuck);
    } finally {
      for (const release of hold) release();
      await srv.close();
    }
  });
});

describe('CIMD stale-if-error against a real failing HTTPS host (RFC 5861 §4, bounded)', () => {
  let status = 200;
  let https: Awaited<ReturnType<typeof startHttpsServer>>;
  beforeAll(async () => {
    https = await startHttpsServer((_req, res) => {
      if (status !== 200) return res.writeHead(status, { 'content-type': 'text/plain' }).end('down');
      const id = `https://localhost:${https.port}/client.json`;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(
        JSON.stringify({
          client_id: id,
          client_name: 'Local Tool',
          redirect_uris: ['http://127.0.0.1/cb'],
        }),
      );
    });
  });
  afterAll(() => https.close());

  it('a host answering 500 keeps a validated client working within the stale bound, and not after it', async () => {
    let now = Date.now();
    const id = `https://localhost:${https.port}/client.json`;
    const srv = await startServer({
      ...baseOptions(),
      clock: () => now,
      cimd: { enabled: true, allowLoopback: true, staleIfError: 3600 },
    });
    const attempt = async () => {
      const { url } = await authorizationUrl(srv.issuer, id, 'http://127.0.0.1:5001/cb');
      const response = await fetch(url, { redirect: 'manual' });
      return { status: response.status, text: await response.text() };
    };
    try {
      expect((await attempt()).status).toBe(302);
      status = 500;
      now += 61_000;
      expect((await attempt()).status).toBe(302);
      const detail = failureDetail(
        await srv.gh.store.listAuditEvents({ type: 'cimd.fetch_failed', clientId: id }),
      );
      expect(detail).toMatchObject({ stale: true });
      expect(String(detail.reason)).toMatch(/HTTP 500/);
      now += 3500_000;
      expect((await attempt()).status).toBe(302);
      now += 200_000;
      const after = await attempt();
      expect(after.status).toBe(400);
      expect(after.text).toContain('answered HTTP 500');
      // Once the host recovers, the client is fetched afresh.
      status = 200;
      expect((await attempt()).status).toBe(302);
    } finally {
      status = 200;
      await srv.close();
    }
  });
});
