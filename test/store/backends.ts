/**
 * The backends the store suite runs against. Each hands out fresh, empty databases and removes them
 * afterwards. PostgreSQL is required: if it is unreachable, setup throws and the suite fails.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** URL of a new empty database. */
  freshUrl(): Promise<string>;
  /** Drops every database handed out. */
  cleanup(): Promise<void>;
}

export const POSTGRES_ADMIN_URL =
  process.env['GATEHOUSE_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function sqliteBackend(): Backend {
  let dir: string | undefined;
  let n = 0;
  return {
    name: 'sqlite',
    async freshUrl() {
      dir ??= await mkdtemp(join(tmpdir(), 'gatehouse-store-'));
      n += 1;
      // A nested, not-yet-existing directory also checks that the store creates parent directories.
      return `sqlite:${join(dir, `db${n}`, 'gatehouse.db')}`;
    },
    async cleanup() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export function postgresBackend(): Backend {
  const created: string[] = [];
  async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(
        `PostgreSQL is required for the store tests and is not reachable at ${POSTGRES_ADMIN_URL} ` +
          `(set GATEHOUSE_TEST_POSTGRES_URL to point elsewhere): ${(error as Error).message}`,
      );
    }
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }
  return {
    name: 'postgres',
    async freshUrl() {
      const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
      await admin((c) => c.query(`create database ${name}`));
      created.push(name);
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async cleanup() {
      if (created.length === 0) return;
      await admin(async (c) => {
        for (const name of created.splice(0)) await c.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

/**
 * Two stores on one fresh, migrated database of `backend` — two Gatehouse instances sharing it — for
 * the tests of a describe block: opened before them (handed over through `use`), closed after.
 */
export function twoInstances(backend: Backend, use: (store: Store, other: Store) => void): void {
  let store: Store | undefined;
  let other: Store | undefined;
  beforeAll(async () => {
    const url = await backend.freshUrl();
    store = await openStore(url);
    await store.migrate();
    other = await openStore(url);
    use(store, other);
  });
  afterAll(async () => {
    await store?.close();
    await other?.close();
    await backend.cleanup();
  });
}
