import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../src/index.js';
import { disableClient, enableClient } from '../../src/operations/lifecycle.js';
import { baseOptions, MACHINE_SECRET, RESOURCE } from '../helpers/fixtures.js';
import { TEST_SECRET } from '../helpers/server.js';
import { postgresBackend } from '../store/backends.js';

/**
 * A client disabled (a leaked secret, a phishing report) is refused by every instance at once, not only
 * the one whose dashboard was used: each instance caches client records (clientCacheTtl), and on
 * PostgreSQL every client write is announced to the others (LISTEN/NOTIFY, src/store/client-peers.ts).
 * Two instances on one PostgreSQL database, each with a 5-minute client cache, so only the announcement
 * can explain a refusal; a listening connection cut by the server must not leave an instance serving a
 * stale copy once it reconnects.
 */

const ISSUER = 'http://127.0.0.1:4000';
const MACHINE = `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`;
const backend = postgresBackend();
let a: Gatehouse;
let b: Gatehouse;
let database: string;

function clientCredentials(gh: Gatehouse): Promise<number> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    scope: 'todos.read',
    resource: RESOURCE,
  });
  const request = new Request(gh.config.endpoints.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: MACHINE },
    body,
  });
  return gh.fetch(request, { remoteAddress: '127.0.0.1' }).then((r) => r.status);
}

/** Milliseconds until `gh` answers `status`, polling every 20 ms (throws after `limitMs`, saying what it got). */
async function until(gh: Gatehouse, status: number, limitMs: number): Promise<number> {
  const started = performance.now();
  const seen = new Map<number, number>();
  while (performance.now() - started < limitMs) {
    const answer = await clientCredentials(gh);
    if (answer === status) return performance.now() - started;
    seen.set(answer, (seen.get(answer) ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not ${status} within ${limitMs} ms (answered: ${JSON.stringify([...seen])})`);
}

beforeAll(async () => {
  database = await backend.freshUrl();
  const options = { ...baseOptions(), issuer: ISSUER, secret: TEST_SECRET, database, logger: false as const };
  a = await createGatehouse({ ...options, clientCacheTtl: 300 });
  b = await createGatehouse({ ...options, clientCacheTtl: 300, migrate: false });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await backend.cleanup();
});

describe('a client disabled at one instance (PostgreSQL, client cache 300 s)', () => {
  it('is refused at the other within a second, and served there again once enabled', async () => {
    expect(await clientCredentials(b)).toBe(200); // B now holds the client for 300 s
    await disableClient(a.context, 'machine', 'secret leaked', 'test');
    expect(await until(b, 401, 1000)).toBeLessThan(1000);
    await enableClient(a.context, 'machine', 'test');
    expect(await until(b, 200, 1000)).toBeLessThan(1000);
  });

  it('is refused at the other even when its listening connection was cut meanwhile (the cache is dropped on reconnect)', async () => {
    expect(await clientCredentials(b)).toBe(200);
    const admin = new pg.Client({ connectionString: database });
    await admin.connect();
    try {
      // Every LISTEN connection of this database is terminated; the disable happens while B's is down.
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`,
      );
      await disableClient(a.context, 'machine', 'secret leaked', 'test');
    } finally {
      await admin.end();
    }
    // B reconnects within about a second and drops every cached client.
    expect(await until(b, 401, 5000)).toBeLessThan(5000);
    await enableClient(a.context, 'machine', 'test');
    await until(b, 200, 5000);
  });
});
