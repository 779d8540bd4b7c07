/**
 * Issue 11, part 6: anonymous traffic cannot grow storage without bound. 10,000 anonymous requests of
 * each kind, over real HTTP from many client networks (behind a trusted proxy that names them in
 * X-Forwarded-For), then: the database grew by no more than the documented bound (docs/configuration.md,
 * "Storage bounds"), housekeeping leaves no rate-limit counter behind, and the dashboard still loads
 * fast. Runs on SQLite (a file, so its size can be measured) and, with GATEHOUSE_TEST_DATABASE=postgres,
 * on PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { AUDIT_CAPS } from '../../src/store/audit-caps.js';
import { ADMIN, sessionApi, signIn, startAdminServer } from '../e2e/admin/support.js';
import type { TestServer } from '../helpers/server.js';
import { raw } from '../store/context.js';

const PER_KIND = 10_000;
const CONCURRENCY = 20;
const NETWORKS_PER_KIND = 10;
const HOUR = 3_600_000;
/** The defaults, as configuration resolves them: per type and window, perType + perType / perNetwork + 1 rows. */
const DEFAULTS = resolveConfig({ issuer: 'http://127.0.0.1:1', secret: 'x'.repeat(32) });
const FLOOD = DEFAULTS.audit.flood;
const ROWS_PER_TYPE = FLOOD.perType + Math.ceil(FLOOD.perType / FLOOD.perNetwork) + 1;
/** The event types anonymous requests can cause (everything else needs a credential or a session). */
const ANONYMOUS_TYPES = [
  'authorize.rejected',
  'cimd.fetch_failed',
  'login.failed',
  'login.throttled',
  'dcr.rejected',
  'dcr.rate_limited',
  'dcr.reused',
  'credentials.rejected',
  'request.throttled',
];
/** A row is at most its capped fields plus per-row and index overhead; 4 KB is generous. */
const MAX_ROW_BYTES = 4096;

/** Client network `n` of kind `k`: IPv4 hosts, and IPv6 hosts that rotate within one /64. */
function clientAddress(kind: number, n: number, i: number): string {
  if (n % 2 === 0) return `10.${kind}.${n}.1`;
  return `2001:db8:${kind}:${n}:${(i % 65_535).toString(16)}::${(i % 997).toString(16)}`;
}

interface Kind {
  name: string;
  request(i: number): {
    method: 'GET' | 'POST';
    path: string;
    headers?: Record<string, string>;
    body?: string;
  };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const PKCE = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

describe('a flood of anonymous requests', () => {
  let srv: TestServer;
  let dir: string;
  let clock = { offset: 0 };
  const counts: Record<string, Record<number, number>> = {};
  let before: Snapshot;
  let after: Snapshot;
  let seconds = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-flood-'));
    // One fixed hour for the whole flood, so it fills exactly one window of every bound.
    const base = Math.floor(Date.now() / HOUR) * HOUR + 60_000;
    const started = Date.now();
    clock = { offset: 0 };
    srv = await startAdminServer(() => ({
      ...(process.env['GATEHOUSE_TEST_DATABASE'] === 'postgres'
        ? {}
        : { database: `sqlite:${join(dir, 'flood.db')}` }),
      trustedProxies: ['127.0.0.1'],
      // The defaults, which the test helper relaxes for other suites.
      rejectionThrottle: {
        maxRejections: DEFAULTS.rejectionThrottle.maxRejections,
        windowSeconds: DEFAULTS.rejectionThrottle.windowMs / 1000,
      },
      audit: {
        floodWindowSeconds: FLOOD.windowMs / 1000,
        individualPerNetwork: FLOOD.perNetwork,
        individualPerType: FLOOD.perType,
      },
      cimd: { enabled: true, fetch: async () => new Response('gone', { status: 404 }) },
      clock: () => base + (Date.now() - started) + clock.offset,
    }));
  }, 60_000);

  afterAll(async () => {
    await srv?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores no more than the documented bound, whatever 10,000 requests of each kind send', async () => {
    const login = await loginForm(srv);
    const kinds: Kind[] = [
      {
        name: 'authorize with a junk or 50 KB client_id',
        request: (i) => ({
          method: 'POST',
          path: '/authorize',
          headers: FORM,
          body: form({
            client_id: i % 10 === 0 ? 'x'.repeat(50_000) : `junk-${i}-${'y'.repeat(i % 300)}`,
            response_type: 'code',
            redirect_uri: 'http://127.0.0.1/callback',
            ...PKCE,
          }),
        }),
      },
      {
        name: 'authorize with junk CIMD URLs',
        request: (i) => ({
          method: 'GET',
          path: `/authorize?${form({
            client_id: `https://h${i}.junk.example/${'p'.repeat(i % 500)}/client.json`,
            response_type: 'code',
            redirect_uri: 'http://127.0.0.1/callback',
            ...PKCE,
          })}`,
        }),
      },
      {
        name: 'failed sign-ins',
        request: (i) => ({
          method: 'POST',
          path: '/login',
          headers: { ...FORM, cookie: login.cookie, origin: srv.origin },
          body: form({ ...login.fields, email: `victim${i % 50}@example.com`, password: `guess ${i}` }),
        }),
      },
      {
        name: 'junk registrations',
        request: (i) => ({
          method: 'POST',
          path: '/register',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            client_name: 'n'.repeat(i % 2000),
            redirect_uris: [`javascript:alert(${i})`],
            junk: 'j'.repeat(i % 3000),
          }),
        }),
      },
      {
        name: 'bad token requests',
        request: (i) => ({
          method: 'POST',
          path: '/token',
          headers: FORM,
          body: form({
            grant_type: 'authorization_code',
            client_id: `nobody-${i}`,
            code: `junk.${i}`,
            code_verifier: 'v'.repeat(43),
          }),
        }),
      },
      {
        name: 'bad revocations',
        request: (i) => ({
          method: 'POST',
          path: '/revoke',
          headers: FORM,
          body: form({ client_id: `nobody-${i}`, token: `junk-${i}` }),
        }),
      },
      {
        name: 'bad introspections',
        request: (i) => ({
          method: 'POST',
          path: '/introspect',
          headers: {
            ...FORM,
            authorization: `Basic ${Buffer.from(`nobody-${i}:wrong`).toString('base64')}`,
          },
          body: form({ token: `junk-${i}` }),
        }),
      },
    ];

    before = await snapshot(srv);
    const pool = new Pool(srv.origin, { connections: CONCURRENCY, pipelining: 1 });
    const started = performance.now();
    try {
      for (const [k, kind] of kinds.entries()) {
        counts[kind.name] = await flood(pool, srv, kind, k);
      }
    } finally {
      await pool.close();
    }
    seconds = (performance.now() - started) / 1000;
    after = await snapshot(srv);
    console.info(
      `flood: ${kinds.length} x ${PER_KIND} requests in ${seconds.toFixed(1)} s`,
      JSON.stringify({ counts, before: before.summary, after: after.summary }),
    );

    // Every request was answered, never with a server error.
    for (const kind of kinds) {
      const statuses = counts[kind.name]!;
      expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBe(PER_KIND);
      expect(Object.keys(statuses).filter((s) => Number(s) >= 500)).toEqual([]);
    }
    // Refused requests were throttled per network: most of each anonymous kind never did any work.
    for (const kind of kinds.slice(0, 4)) expect(counts[kind.name]![429] ?? 0).toBeGreaterThan(PER_KIND / 2);

    // Nothing but audit rows and rate-limit counters may grow, and the audit rows only within the bound.
    for (const table of Object.keys(before.rows)) {
      if (table === 'gatehouse_audit_events' || table === 'gatehouse_rate_limits') continue;
      expect({ table, rows: after.rows[table] }).toEqual({ table, rows: before.rows[table] });
    }
    for (const [type, n] of Object.entries(after.auditByType)) {
      const grown = n - (before.auditByType[type] ?? 0);
      if (grown === 0) continue;
      expect(ANONYMOUS_TYPES).toContain(type);
      expect({ type, withinBound: grown <= ROWS_PER_TYPE }).toEqual({ type, withinBound: true });
    }
    const auditGrowth = after.rows['gatehouse_audit_events']! - before.rows['gatehouse_audit_events']!;
    expect(auditGrowth).toBeLessThanOrEqual(ANONYMOUS_TYPES.length * ROWS_PER_TYPE);
    expect(after.largestAuditRow).toBeLessThanOrEqual(
      AUDIT_CAPS.type +
        AUDIT_CAPS.clientId +
        AUDIT_CAPS.userId +
        AUDIT_CAPS.actor +
        AUDIT_CAPS.ip +
        AUDIT_CAPS.userAgent +
        AUDIT_CAPS.detailBytes,
    );
    // Bytes: the audit bound times the largest row, plus the counters (gone after housekeeping).
    const byteBound = ANONYMOUS_TYPES.length * ROWS_PER_TYPE * MAX_ROW_BYTES + 4 * 1024 * 1024;
    expect(after.bytes - before.bytes).toBeLessThanOrEqual(byteBound);

    // The aggregate rows account for what was not stored one by one.
    const failedCimd = await srv.gh.store.countAuditEventsByDay(['cimd.fetch_failed'], 0);
    expect(failedCimd.reduce((a, r) => a + r.count, 0)).toBeGreaterThan(ROWS_PER_TYPE);
  }, 240_000);

  it('housekeeping deletes every rate-limit counter once its window has ended', async () => {
    expect(after.rows['gatehouse_rate_limits']).toBeGreaterThan(0);
    clock.offset = 2 * HOUR;
    await srv.gh.runHousekeeping();
    const now = srv.gh.config.clock();
    const left = await raw(srv.gh.store).selectFrom('gatehouse_rate_limits').selectAll().execute();
    expect(left.filter((row) => Number(row.window_end) <= now)).toEqual([]);
    // Only what housekeeping itself counted just now (the throttle's tallies) may remain.
    expect(left.length).toBeLessThanOrEqual(NETWORKS_PER_KIND * 7 + 2);
    clock.offset = 0;
  });

  it("the dashboard's overview still loads fast after the flood, for the admin API and the page", async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const api = sessionApi(agent, srv.issuer);
    let t = performance.now();
    const overview = await api('GET', 'overview');
    const apiMs = performance.now() - t;
    expect(overview.status).toBe(200);
    const days = overview.body['days'] as { fetchFailures: number }[];
    expect(days.at(-1)!.fetchFailures).toBeGreaterThan(ROWS_PER_TYPE);
    t = performance.now();
    const page = await agent.request(`${srv.issuer}/admin`);
    const html = await page.text();
    const pageMs = performance.now() - t;
    expect(page.status).toBe(200);
    expect(html).toContain('CIMD fetch failures');
    console.info(`overview after the flood: API ${apiMs.toFixed(0)} ms, page ${pageMs.toFixed(0)} ms`);
    expect(apiMs).toBeLessThan(1000);
    expect(pageMs).toBeLessThan(1000);
  });
});

describe('one network refused over and over', () => {
  let srv: TestServer;
  const clock = { now: Math.floor(Date.now() / HOUR) * HOUR + 60_000 };

  beforeAll(async () => {
    srv = await startAdminServer(() => ({
      trustedProxies: ['127.0.0.1'],
      rejectionThrottle: { maxRejections: 60, windowSeconds: 60 },
      audit: { individualPerNetwork: 10, individualPerType: 200 },
      clock: () => clock.now,
    }));
  });
  afterAll(() => srv?.close());

  const refused = (ip: string, i: number) =>
    fetch(`${srv.issuer}/authorize?client_id=nobody-${i}&response_type=code`, {
      headers: { 'x-forwarded-for': ip },
    });

  it('gets 10 rows, then one aggregate row, and after 60 refusals a minute only 429s that write nothing', async () => {
    // Addresses rotating within one IPv6 /64 are one network.
    const ip = (i: number) => `2001:db8:77:1:${i.toString(16)}::1`;
    for (let i = 0; i < 60; i++) expect((await refused(ip(i), i)).status).toBe(400);
    const events = await srv.gh.store.listAuditEvents({ type: 'authorize.rejected', limit: 1000 });
    expect(events.filter((e) => e.count === undefined)).toHaveLength(10);
    const aggregate = events.filter((e) => e.count !== undefined);
    expect(aggregate).toHaveLength(1);
    expect(aggregate[0]).toMatchObject({ count: 50, ip: '2001:db8:77:1::/64' });
    expect(aggregate[0]!.detail).toMatchObject({ aggregated: true, sample: { error: 'invalid_request' } });
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const auditPage = await (await agent.request(`${srv.issuer}/admin/audit?type=authorize.rejected`)).text();
    expect(auditPage).toContain('× 50, last');

    const throttled = await refused(ip(1000), 1000);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    const rowsBefore = (await srv.gh.store.listAuditEvents({ limit: 1000 })).length;
    for (let i = 0; i < 100; i++) expect((await refused(ip(2000 + i), i)).status).toBe(429);
    expect((await srv.gh.store.listAuditEvents({ limit: 1000 })).length).toBe(rowsBefore);
    // Another network is not affected.
    expect((await refused('198.51.100.7', 1)).status).toBe(400);

    // The window ends: the network is served again, and the throttled requests are one aggregate row.
    clock.now += 61_000;
    expect((await refused(ip(5000), 5000)).status).toBe(400);
    await srv.gh.runHousekeeping();
    const tally = await srv.gh.store.listAuditEvents({ type: 'request.throttled' });
    expect(tally).toHaveLength(1);
    expect(tally[0]).toMatchObject({ count: 101, ip: '2001:db8:77:1::/64' });
  });
});

/** The sign-in form's hidden fields and the CSRF cookie they are bound to. */
async function loginForm(srv: TestServer): Promise<{ cookie: string; fields: Record<string, string> }> {
  const response = await fetch(`${srv.issuer}/login`);
  const html = await response.text();
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[m[1]!] = m[2]!.replaceAll('&amp;', '&');
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  return { cookie, fields };
}

/** Sends PER_KIND requests of one kind, CONCURRENCY at a time over keep-alive; returns counts by status. */
async function flood(pool: Pool, srv: TestServer, kind: Kind, k: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  const prefix = new URL(srv.issuer).pathname.replace(/\/$/, '');
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < PER_KIND; i = next++) {
      const r = kind.request(i);
      const response = await pool.request({
        method: r.method,
        path: prefix + r.path,
        headers: { ...r.headers, 'x-forwarded-for': clientAddress(k, i % NETWORKS_PER_KIND, i) },
        body: r.body,
      });
      await response.body.dump();
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

interface Snapshot {
  rows: Record<string, number>;
  auditByType: Record<string, number>;
  largestAuditRow: number;
  bytes: number;
  summary: Record<string, number>;
}

/** Row counts per table, audit rows per type, the largest audit row and the database's size in bytes. */
async function snapshot(srv: TestServer): Promise<Snapshot> {
  const db = raw(srv.gh.store);
  const postgres = srv.gh.store.dialect === 'postgres';
  const tables = postgres
    ? (
        await sql<{ name: string }>`select tablename as name from pg_tables
          where schemaname = current_schema() and tablename like 'gatehouse_%'`.execute(db)
      ).rows
    : (
        await sql<{ name: string }>`select name from sqlite_master
          where type = 'table' and name like 'gatehouse_%'`.execute(db)
      ).rows;
  const rows: Record<string, number> = {};
  for (const { name } of tables) {
    const { rows: r } = await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(db);
    rows[name] = Number(r[0]!.n);
  }
  const byType = await db
    .selectFrom('gatehouse_audit_events')
    .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('type')
    .execute();
  const { rows: largest } = await sql<{ n: number | null }>`select max(
      length(type) + coalesce(length(client_id), 0) + coalesce(length(user_id), 0)
      + coalesce(length(actor), 0) + coalesce(length(ip), 0) + coalesce(length(user_agent), 0)
      + length(detail)) as n from gatehouse_audit_events`.execute(db);
  const bytes = postgres
    ? Number(
        (
          await sql<{ n: string }>`select sum(pg_total_relation_size(quote_ident(tablename)))::bigint as n
            from pg_tables where schemaname = current_schema() and tablename like 'gatehouse_%'`.execute(db)
        ).rows[0]!.n,
      )
    : Number(
        (
          await sql<{ n: number }>`select page_count * page_size as n
            from pragma_page_count(), pragma_page_size()`.execute(db)
        ).rows[0]!.n,
      );
  return {
    rows,
    auditByType: Object.fromEntries(byType.map((r) => [r.type, Number(r.n)])),
    largestAuditRow: Number(largest[0]!.n ?? 0),
    bytes,
    summary: {
      audit: rows['gatehouse_audit_events']!,
      rateLimits: rows['gatehouse_rate_limits']!,
      clients: rows['gatehouse_clients']!,
      bytes,
    },
  };
}
