/**
 * A private PostgreSQL cluster for tests that stop, restart or reconfigure the server: the shared one
 * on 127.0.0.1:5432 serves every other suite and must never be stopped. The cluster lives in a temp
 * directory owned by the `postgres` OS user (initdb and postgres refuse to run as root, so the
 * binaries run through `runuser -u postgres --` when the test runs as root), listens on a free loopback
 * port with trust authentication, and is removed by `destroy()`. Start-up takes about a second.
 *
 *   const pg = await startPrivatePostgres();
 *   const url = await pg.createDatabase('gatehouse');  // postgres://postgres@127.0.0.1:<port>/gatehouse
 *   await pg.stop('fast');   // sessions get 57P01, new connections ECONNREFUSED
 *   await pg.start();        // same port, same data
 *   await pg.destroy();
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './cli.js';

const run = promisify(execFile);

/** The PostgreSQL binaries (Debian's layout); GATEHOUSE_TEST_POSTGRES_BIN overrides. */
export const POSTGRES_BIN = process.env['GATEHOUSE_TEST_POSTGRES_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  readonly port: number;
  /** The URL of database `name` on this cluster (user postgres, no password). */
  url(name?: string): string;
  /** Creates database `name` and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one SQL statement as the superuser on database `name` (default `postgres`). */
  sql(statement: string, name?: string): Promise<pg.QueryResult>;
  /** Starts the server again (same port, same data); resolves once it accepts connections. */
  start(): Promise<void>;
  /** `fast`: sessions are terminated (57P01) and the server shuts down cleanly; `immediate`: a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server (if running) and deletes the cluster. */
  destroy(): Promise<void>;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Runs a PostgreSQL binary as the postgres user (through runuser when we are root). */
function asPostgres(binary: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const path = join(POSTGRES_BIN, binary);
  if (process.getuid?.() === 0) return run('runuser', ['-u', 'postgres', '--', path, ...args]);
  return run(path, args);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-private-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
  }
  const port = await freePort();
  let running = false;
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = [
    `-p ${port}`,
    `-k ${dir}`, // its own socket directory: /var/run/postgresql belongs to the shared server
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c max_connections=40',
  ].join(' ');
  const cluster: PrivatePostgres = {
    port,
    url: (name = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${name}`,
    async createDatabase(name) {
      await cluster.sql(`create database "${name.replaceAll('"', '""')}"`);
      return cluster.url(name);
    },
    async sql(statement, name) {
      const client = new pg.Client({ connectionString: cluster.url(name), connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        return await client.query(statement);
      } finally {
        await client.end();
      }
    },
    async start() {
      await asPostgres('pg_ctl', [
        '-D',
        data,
        '-o',
        options,
        '-l',
        join(dir, 'log'),
        '-w',
        '-t',
        '30',
        'start',
      ]);
      running = true;
    },
    async stop(mode = 'fast') {
      await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
      running = false;
    },
    async destroy() {
      if (running) await cluster.stop('immediate').catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}
