/**
 * Issue 15, production under faults: a database that stops accepting writes (SQLite on a full disk) or
 * goes away (a PostgreSQL restart, a read-only PostgreSQL) is answered 503 temporarily_unavailable with
 * Retry-After, readiness says so, nothing is lost, and service comes back without a restart.
 * docs/operations.md, "Database outages" and "What each fault does".
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely-store.js';
import { baseOptions, USER } from '../helpers/fixtures.js';
import {
  authorize,
  authorizeUrl,
  introspect,
  type JsonResponse,
  MACHINE_AUTH,
  obtainTokens,
  redeem,
  refresh,
  revoke,
  signedInAgent,
  tokenRequest,
} from '../helpers/oauth.js';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const run = promisify(execFile);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function ready(srv: TestServer): Promise<Response> {
  return fetch(`${srv.issuer}/health/ready`);
}

/** A 503 temporarily_unavailable with a Retry-After of a few seconds and nothing about the database. */
function expectUnavailable(response: JsonResponse): void {
  expect(response.status, JSON.stringify(response.body)).toBe(503);
  expect(response.body.error).toBe('temporarily_unavailable');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(30);
  expect(JSON.stringify(response.body)).not.toMatch(/SQLITE|ECONN|57P0|postgres|select|insert|update/i);
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${ms} ms`);
}

/**
 * A directory on a small tmpfs (we run as root, as CI does), or undefined when mounting is not allowed.
 */
async function smallDisk(): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-full-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir]);
  } catch {
    return undefined;
  }
  cleanups.push(() => run('umount', ['-l', dir]));
  return dir;
}

/**
 * Without a mount: this process's file-size limit (RLIMIT_FSIZE, lowered with util-linux `prlimit`,
 * no privilege needed) set below the WAL's size, so every write that must extend a file fails at the
 * system call (EFBIG: SQLite's SQLITE_IOERR_WRITE) as it would on a full disk (ENOSPC: SQLITE_FULL).
 * SIGXFSZ is ignored meanwhile so the write fails instead of the process. Returns the undo.
 * (SQLite's max_page_count is no substitute: a write that fits a page's free space still succeeds.)
 */
async function limitFileSize(): Promise<() => Promise<void>> {
  const ignore = () => {};
  process.on('SIGXFSZ', ignore);
  await run('prlimit', ['--pid', String(process.pid), '--fsize=1:unlimited']);
  return async () => {
    await run('prlimit', ['--pid', String(process.pid), '--fsize=unlimited:unlimited']);
    process.off('SIGXFSZ', ignore);
  };
}

/** Writes 4 KiB blocks to `file` until the file system is full. */
async function fillDisk(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) await handle.write(block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}

describe('SQLite on a full disk', () => {
  // Both ways of filling it run every time; the tmpfs one falls back to the file-size limit if mount fails.
  it.each(['a full tmpfs', 'a file-size limit'])(
    '(%s) readiness and writes answer 503 with Retry-After, nothing is lost, and service resumes once space is freed',
    async (how) => {
      const mounted = how === 'a full tmpfs' ? await smallDisk() : undefined;
      const dir = mounted ?? (await mkdtemp(join(tmpdir(), 'gatehouse-full-')));
      if (!mounted) cleanups.push(() => rm(dir, { recursive: true, force: true }));
      await mkdir(join(dir, 'db'), { recursive: true });
      const srv = await startServer({
        ...baseOptions(),
        database: `sqlite:${join(dir, 'db', 'gatehouse.db')}`,
      });
      cleanups.push(() => srv.close());
      const db = (srv.gh.store as KyselyStore).db;
      const agent = await signedInAgent(srv);
      const issued = [];
      for (let i = 0; i < 3; i++) issued.push(await obtainTokens(srv, { scope: 'todos.read' }, { agent }));
      const pending = await authorize(srv, { scope: 'todos.read' }, { agent });
      expect((await ready(srv)).status).toBe(200);
      const grants = await srv.gh.store.listGrants({ activeOnly: true });

      // Full: every byte of the file system taken, the WAL emptied first so any write must grow a file.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
      const filler = join(dir, 'filler');
      let undo: (() => Promise<void>) | undefined;
      if (mounted) await fillDisk(filler);
      else {
        undo = await limitFileSize();
        cleanups.push(() => undo!());
      }

      const notReady = await ready(srv);
      expect(notReady.status).toBe(503);
      expect(notReady.headers.get('retry-after')).toBeTruthy();
      expect(await notReady.text()).toBe('{"status":"unavailable"}');
      for (const { refresh_token } of issued) expectUnavailable(await refresh(srv, refresh_token!));
      expectUnavailable(await redeem(srv, pending));
      // A client-credentials token needs no write: served, or refused as unavailable, never a 500.
      const machine = await tokenRequest(
        srv,
        { grant_type: 'client_credentials' },
        { authorization: MACHINE_AUTH },
      );
      expect([200, 503]).toContain(machine.status);
      // A browser page that must write (a sign-in starts a session) gets the friendly page.
      const browser = new UserAgent(srv.origin);
      const form = await (await browser.request(`${srv.issuer}/login`)).text();
      const signIn = await browser.submit(form, { email: USER.email, password: USER.password });
      expect(signIn.status).toBe(503);
      expect(signIn.headers.get('retry-after')).toBeTruthy();
      expect(signIn.headers.get('content-type')).toMatch(/^text\/html/);
      const text = await signIn.text();
      expect(text).toMatch(/temporarily unavailable/i);
      expect(text).not.toMatch(/SQLITE|at .*\.ts:\d|insert into/i);

      // Space freed: ready again without a restart; every token issued before still works.
      if (mounted) await unlink(filler);
      else await undo!();
      expect((await ready(srv)).status).toBe(200);
      for (const { refresh_token } of issued) expect((await refresh(srv, refresh_token!)).status).toBe(200);
      expect((await srv.gh.store.listGrants({ activeOnly: true })).map((g) => g.id).sort()).toEqual(
        grants.map((g) => g.id).sort(),
      );
      // The code whose exchange failed was not spent: it is redeemed now.
      expect((await redeem(srv, pending)).status).toBe(200);
      const { rows } = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
      expect(rows).toEqual([{ integrity_check: 'ok' }]);
    },
  );
});

describe('PostgreSQL stopped, restarted and made read-only (a private cluster)', () => {
  let cluster: PrivatePostgres;

  async function serverOnCluster(): Promise<TestServer> {
    cluster = await startPrivatePostgres();
    cleanups.push(() => cluster.destroy());
    const database = await cluster.createDatabase('gatehouse');
    const srv = await startServer({ ...baseOptions(), database });
    cleanups.push(() => srv.close());
    return srv;
  }

  it('a restart mid-traffic is 503 with Retry-After (never 500 or invalid_grant), readiness 503, and service resumes without restarting Gatehouse', async () => {
    const srv = await serverOnCluster();
    const agent = await signedInAgent(srv);
    let token = (await obtainTokens(srv, { scope: 'todos.read' }, { agent })).refresh_token!;
    expect((await ready(srv)).status).toBe(200);

    // Refreshes run back to back while the server stops (fast: sessions get 57P01) and starts again.
    const statuses: JsonResponse[] = [];
    let traffic = true;
    const loop = (async () => {
      while (traffic) {
        const response = await refresh(srv, token);
        statuses.push(response);
        if (response.status === 200) token = response.body.refresh_token;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await cluster.stop('fast');
    expectUnavailable(await refresh(srv, token));
    expectUnavailable(await introspect(srv, token));
    expectUnavailable(await revoke(srv, { token, client_id: 'native-app' }));
    // Browser pages that need the database: the friendly page, never a redirect to the client (the
    // client cannot be verified), no stack, no SQL, no driver message.
    for (const url of [authorizeUrl(srv).url, `${srv.issuer}/admin`]) {
      const page = await agent.request(url);
      expect(page.status, url).toBe(503);
      expect(page.headers.get('location')).toBeNull();
      expect(page.headers.get('retry-after')).toBeTruthy();
      const text = await page.text();
      expect(text).toMatch(/Temporarily unavailable/);
      expect(text).not.toMatch(/ECONN|57P0|terminat|select |\.ts:\d/i);
    }
    const notReady = await ready(srv);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('{"status":"unavailable"}');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cluster.start();
    await until(async () => (await ready(srv)).status === 200, 10_000);
    traffic = false;
    await loop;

    const unavailable = statuses.filter((r) => r.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const response of unavailable) expectUnavailable(response);
    // Only successes and outages: no 500, and no invalid_grant for a token that was never reused.
    expect(statuses.filter((r) => r.status !== 200 && r.status !== 503).map((r) => r.body)).toEqual([]);
    const after = await refresh(srv, token);
    expect(after.status, JSON.stringify(after.body)).toBe(200);
  });

  it('a read-only PostgreSQL (default_transaction_read_only, as a hot standby) fails readiness and writes with 503, and recovers', async () => {
    const srv = await serverOnCluster();
    const agent = await signedInAgent(srv);
    const { refresh_token } = await obtainTokens(srv, { scope: 'todos.read' }, { agent });
    // Reloaded into every open session too, as a standby's would be.
    await cluster.sql('alter system set default_transaction_read_only = on');
    await cluster.sql('select pg_reload_conf()');
    await until(async () => (await ready(srv)).status === 503, 5000);
    expectUnavailable(await refresh(srv, refresh_token!));
    await cluster.sql('alter system reset default_transaction_read_only');
    await cluster.sql('select pg_reload_conf()');
    await until(async () => (await ready(srv)).status === 200, 5000);
    expect((await refresh(srv, refresh_token!)).status).toBe(200);
  });
});
