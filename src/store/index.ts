/** Opens the Store named by a database URL. */

import { postgresOpenFailure, sqliteOpenFailure } from './open-errors.js';
import type { PostgresStoreOptions } from './postgres.js';
import type { Store } from './types.js';

export { KyselyStore } from './kysely-store.js';
export type { SqlDialect } from './migrations.js';
/** PostgreSQL backend; `pg` is loaded only when a postgres:// URL is opened. */
export async function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}) {
  return (await import('./postgres.js')).openPostgresStore(connectionString, options);
}

/** SQLite backend; better-sqlite3 is loaded only when a sqlite: URL is opened. */
export async function openSqliteStore(filename: string) {
  return (await import('./sqlite.js')).openSqliteStore(filename);
}
export { DatabaseOpenError } from './open-errors.js';
export * from './types.js';

export interface OpenStoreOptions {
  /** PostgreSQL pool size (default 10); ignored for SQLite. */
  poolSize?: number;
  /** PostgreSQL: how long opening a connection may take, in ms (default: no limit); ignored for SQLite. */
  connectTimeoutMs?: number;
}

/**
 * Accepts `sqlite:<path>` (relative to process.cwd()), `sqlite::memory:`, and `postgres://…` or
 * `postgresql://…`. Does not migrate: call `store.migrate()`.
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    const store = await openPostgresStore(databaseUrl, {
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    });
    // Connect now, so that an unreachable or missing database is reported as such, here.
    return probe(store, (error) => postgresOpenFailure(error, databaseUrl));
  }
  if (databaseUrl.toLowerCase().startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    if (path === '')
      throw new Error('database URL "sqlite:" names no file; use sqlite:<path> or sqlite::memory:');
    // sqlite://x is ambiguous (host? path?) across tools; insist on the unambiguous form.
    if (path.startsWith('//')) {
      throw new Error(
        `database URL "${databaseUrl}" is not supported; use sqlite:<path> (e.g. sqlite:./data/gatehouse.db or sqlite:/var/lib/gatehouse.db)`,
      );
    }
    let store: Store;
    try {
      store = await openSqliteStore(path);
    } catch (error) {
      throw sqliteOpenFailure(error, path);
    }
    return probe(store, (error) => sqliteOpenFailure(error, path));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1];
  throw new Error(
    scheme
      ? `unsupported database URL scheme "${scheme}:"; expected sqlite:, postgres:// or postgresql://`
      : 'database URL must start with sqlite:, postgres:// or postgresql://',
  );
}

/** `store` once a first round trip worked; otherwise closed, and the error translated. */
async function probe(store: Store, translate: (error: unknown) => unknown): Promise<Store> {
  try {
    await store.ping();
    return store;
  } catch (error) {
    await store.close().catch(() => {});
    throw translate(error);
  }
}
