import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../../src/store/kysely-store.js';
import { tempDir } from '../../helpers/cli.js';
import { authorize, baseOptions, redeem, USER } from '../../helpers/oauth.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { postgresBackend } from '../../store/backends.js';

/**
 * A server fault's log line keeps the driver's error code (`err.code`: SQLITE_READONLY, PostgreSQL's
 * 25006), which operators need to tell a full disk from a refused connection, while the redaction that
 * hides the OAuth `code` parameter and every credential still holds (config/logger.ts). The fault is
 * real: the database stops accepting writes in the middle of a code exchange.
 */
describe('a database fault is logged with its code, and no credential', () => {
  let srv: TestServer;
  let dir: string;
  const lines: string[] = [];
  const onPostgres = process.env['GATEHOUSE_TEST_DATABASE'] === 'postgres';
  const backend = postgresBackend();
  let pgUrl: string | undefined;

  beforeAll(async () => {
    dir = await tempDir();
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    pgUrl = onPostgres ? await backend.freshUrl() : undefined;
    srv = await startServer({
      ...baseOptions(),
      database: pgUrl ?? `sqlite:${join(dir, 'gatehouse.db')}`,
      logger: { level: 'trace', destination },
    });
  });
  afterAll(async () => {
    await srv.close();
    await backend.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every write fails from now on: SQLite's query_only, or a read-only PostgreSQL database. */
  async function refuseWrites(): Promise<string> {
    if (!pgUrl) {
      await sql`pragma query_only = 1`.execute((srv.gh.store as KyselyStore).db);
      return 'SQLITE_READONLY';
    }
    const name = new URL(pgUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    try {
      await admin.query(`alter database "${name}" set default_transaction_read_only = on`);
      // Gatehouse's open sessions end (57P01), its next ones start read-only: writes fail with 25006.
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
    } finally {
      await admin.end();
    }
    return '25006';
  }

  it('a code exchange that cannot write answers 503; the log has err.code and neither the code nor the verifier', async () => {
    const auth = await authorize(srv);
    const cookies = [...auth.agent.cookies.values()];
    const faultCode = await refuseWrites();
    // On PostgreSQL the terminated sessions' FATAL messages reach the pool's idle clients
    // asynchronously: a query sent on one before the pool has dropped it fails with 57P01 (also an
    // outage, also 503). Nothing was written, so the same code is redeemed again until the exchange runs
    // on a fresh, read-only session; at most one retry per pooled session (pool size 10).
    lines.length = 0;
    let fault: { msg: string; err?: { code?: string } } | undefined;
    for (let attempt = 0; attempt < 12 && (!fault || fault.err?.code === '57P01'); attempt++) {
      const from = lines.length;
      const response = await redeem(srv, auth);
      expect(response.status, JSON.stringify(response.body)).toBe(503);
      expect(response.body.error).toBe('temporarily_unavailable');
      const entries = lines
        .slice(from)
        .map((line) => JSON.parse(line) as { msg: string; err?: { code?: string } });
      fault = entries.find((e) => e.msg === 'database unavailable');
      expect(fault, lines.slice(from).join('')).toBeDefined();
    }
    expect(fault?.err?.code, lines.join('')).toBe(faultCode);
    const logs = lines.join('');
    const code = auth.code!;
    for (const secret of [
      code,
      code.slice(code.lastIndexOf('.') + 1),
      auth.verifier,
      USER.password,
      ...cookies,
    ])
      expect(logs.includes(secret), `log contains ${secret.slice(0, 10)}…`).toBe(false);
  });
});
