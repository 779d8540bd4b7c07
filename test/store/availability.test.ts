import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { DatabaseUnavailableError, isDatabaseUnavailable, outageCode } from '../../src/store/availability.js';
import { openPostgresStore } from '../../src/store/index.js';
import { UniqueViolation } from '../../src/store/types.js';
import { freePort } from '../helpers/cli.js';
import { POSTGRES_ADMIN_URL } from './backends.js';

/**
 * store/availability.ts tells an outage (retry later: 503) from a fault of the statement (a bug: 500).
 * Every case here is an error the real driver raised, not a hand-made object.
 */
function failure(run: () => unknown): Promise<unknown> {
  return Promise.resolve()
    .then(run)
    .then(
      () => expect.fail('expected the driver to fail'),
      (error: unknown) => error,
    );
}

describe('SQLite (better-sqlite3)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-availability-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a full database (SQLITE_FULL at max_page_count) is an outage', async () => {
    const db = new BetterSqlite3(join(dir, 'full.db'));
    db.exec('create table t (v blob)');
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
    const error = await failure(() => db.prepare('insert into t values (?)').run(Buffer.alloc(1 << 20)));
    db.close();
    expect(outageCode(error)).toBe('SQLITE_FULL');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('a lock still held after busy_timeout (SQLITE_BUSY) and a read-only file (SQLITE_READONLY) are outages', async () => {
    const file = join(dir, 'busy.db');
    const a = new BetterSqlite3(file);
    a.exec('create table t (v int)');
    const b = new BetterSqlite3(file);
    b.pragma('busy_timeout = 0');
    a.exec('begin immediate');
    const busy = await failure(() => b.exec('begin immediate'));
    a.exec('rollback');
    const readonly = new BetterSqlite3(file, { readonly: true });
    const refused = await failure(() => readonly.exec('insert into t values (1)'));
    for (const db of [a, b, readonly]) db.close();
    expect(outageCode(busy)).toMatch(/^SQLITE_BUSY/);
    expect(isDatabaseUnavailable(busy)).toBe(true);
    expect(outageCode(refused)).toMatch(/^SQLITE_READONLY/);
    expect(isDatabaseUnavailable(refused)).toBe(true);
  });

  it('a constraint violation or a syntax error is not an outage', async () => {
    const db = new BetterSqlite3(':memory:');
    db.exec('create table t (v int primary key)');
    db.exec('insert into t values (1)');
    const duplicate = await failure(() => db.exec('insert into t values (1)'));
    const syntax = await failure(() => db.exec('selec 1'));
    db.close();
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
    expect(isDatabaseUnavailable(syntax)).toBe(false);
  });
});

describe('PostgreSQL (node-postgres)', () => {
  async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    client.on('error', () => {});
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  it('a refused connection (ECONNREFUSED) is an outage', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x` });
    const error = await failure(() => pool.query('select 1'));
    await pool.end();
    expect(outageCode(error)).toBe('ECONNREFUSED');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('a read-only transaction (25006) and a terminated session (57P01) are outages', async () => {
    const readOnly = await withClient(async (client) => {
      await client.query('begin read only');
      return failure(() => client.query('create table gatehouse_never (a int)'));
    });
    expect(outageCode(readOnly)).toBe('25006');
    expect(isDatabaseUnavailable(readOnly)).toBe(true);
    const terminated = await withClient((client) =>
      failure(() => client.query('select pg_terminate_backend(pg_backend_pid())')),
    );
    expect(outageCode(terminated)).toBe('57P01');
    expect(isDatabaseUnavailable(terminated)).toBe(true);
  });

  it('a server that drops the connection, or never answers within the pool timeout, is an outage', async () => {
    const servers: Server[] = [];
    const listen = async (onConnection: (socket: import('node:net').Socket) => void) => {
      const server = createServer(onConnection);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    };
    const dropping = await listen((socket) => socket.destroy());
    const silent = await listen(() => {});
    const dropped = await failure(() =>
      new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${dropping}/x` }).query('select 1'),
    );
    const timedOut = await failure(() =>
      new pg.Pool({
        connectionString: `postgres://postgres@127.0.0.1:${silent}/x`,
        connectionTimeoutMillis: 200,
      }).query('select 1'),
    );
    for (const server of servers) {
      server.close();
    }
    expect(isDatabaseUnavailable(dropped), String(dropped)).toBe(true);
    expect(isDatabaseUnavailable(timedOut), String(timedOut)).toBe(true);
  });

  it('a PostgreSQL that never answers fails a request after connectTimeoutMs (databaseConnectTimeout), as an outage', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const store = await openPostgresStore(`postgres://postgres@127.0.0.1:${port}/x`, {
      connectTimeoutMs: 300,
    });
    const started = Date.now();
    const error = await failure(() => store.ping());
    const took = Date.now() - started;
    await store.close();
    silent.close();
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it('a unique violation (23505) or a syntax error (42601) is not an outage', async () => {
    const [duplicate, syntax] = await withClient(async (client) => [
      await failure(async () => {
        await client.query('create temp table u (a int primary key)');
        await client.query('insert into u values (1)');
        await client.query('insert into u values (1)');
      }),
      await failure(() => client.query('selec 1')),
    ]);
    expect((duplicate as { code?: string }).code).toBe('23505');
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
    expect(isDatabaseUnavailable(syntax)).toBe(false);
  });
});

describe('wrapping', () => {
  const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  it("an outage anywhere in an error's cause chain (or an AggregateError) is an outage", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.boolean(), (depth, aggregate) => {
        let error: Error = aggregate ? new AggregateError([new Error('other'), outage]) : outage;
        for (let i = 0; i < depth; i++) error = new Error(`wrapped ${i}`, { cause: error });
        expect(isDatabaseUnavailable(error)).toBe(true);
      }),
    );
    expect(isDatabaseUnavailable(new DatabaseUnavailableError('down'))).toBe(true);
  });

  it('OAuth errors, contract errors and codes of no outage never are', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z_]{1,20}$/), (code) => {
        expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code }))).toBe(false);
      }),
    );
    expect(isDatabaseUnavailable(new OAuthError('invalid_grant', 'no'))).toBe(false);
    expect(isDatabaseUnavailable(new UniqueViolation('client'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
