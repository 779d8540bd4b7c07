/**
 * SQLite backend (better-sqlite3). Besides the pragmas, this wraps Kysely's SQLite driver for two
 * reasons that matter for the Store's concurrency rules:
 *
 * 1. Write transactions begin with BEGIN IMMEDIATE. A plain BEGIN starts as a reader and fails with
 *    SQLITE_BUSY (without waiting) when it later needs to write after another connection committed.
 * 2. Stores opened on the same file within one process share one queue. better-sqlite3 is synchronous:
 *    if instance B blocked on busy_timeout while instance A sat mid-transaction awaiting its next
 *    statement, A could never resume and B would fail after the timeout. Across processes there is no
 *    such trap, and SQLite's own file locks (with busy_timeout) serialise the writers.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type QueryCompiler,
  type SqliteDatabase,
  SqliteDialect,
} from 'kysely';
import { SqliteHotPath } from './hot/sqlite.js';
import { KyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';

/** FIFO mutex; unlock hands the lock straight to the next waiter. */
class AsyncMutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolveWaiter) => this.#waiters.push(resolveWaiter));
  }

  unlock(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

const fileMutexes = new Map<string, { mutex: AsyncMutex; users: number }>();

function shareFileMutex(key: string | undefined): { mutex: AsyncMutex; release: () => void } {
  if (key === undefined) return { mutex: new AsyncMutex(), release: () => {} };
  let entry = fileMutexes.get(key);
  if (!entry) {
    entry = { mutex: new AsyncMutex(), users: 0 };
    fileMutexes.set(key, entry);
  }
  entry.users += 1;
  const held = entry;
  return {
    mutex: held.mutex,
    release: () => {
      held.users -= 1;
      if (held.users === 0 && fileMutexes.get(key) === held) fileMutexes.delete(key);
    },
  };
}

type CompileQuery = QueryCompiler['compileQuery'];

class SharedFileDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly mutex: AsyncMutex,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    try {
      return await this.inner.acquireConnection();
    } catch (error) {
      this.mutex.unlock();
      throw error;
    }
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: CompileQuery): Promise<void> {
    await this.inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: CompileQuery,
  ): Promise<void> {
    await this.inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: CompileQuery): Promise<void> {
    await this.inner.releaseSavepoint?.(connection, name, compile);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.mutex.unlock();
    }
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing is a large share of a short query's
 * cost. Statements are reusable in better-sqlite3 (Kysely runs each to completion synchronously), so
 * they are cached by their SQL text, which Kysely produces with placeholders, never with values.
 */
function withStatementCache(database: BetterSqlite3.Database, max = 512): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

function sharedFileDialect(database: BetterSqlite3.Database, mutex: AsyncMutex): Dialect {
  const inner = new SqliteDialect({ database: withStatementCache(database) });
  return {
    createAdapter: () => inner.createAdapter(),
    createDriver: () => new SharedFileDriver(inner.createDriver(), mutex),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
  };
}

/**
 * Opens (creating if needed) a SQLite database file, or an in-memory one for `:memory:`. Relative
 * paths resolve against process.cwd(). Does not migrate.
 */
export async function openSqliteStore(filename: string): Promise<KyselyStore> {
  const memory = filename === ':memory:';
  const file = memory ? filename : resolve(filename);
  if (!memory) mkdirSync(dirname(file), { recursive: true });

  const raw = new BetterSqlite3(file);
  try {
    // exec, not pragma(): pragma() prepares a statement and drops it, and on Node 24 better-sqlite3 12
    // can abort the process when the garbage collector finalizes a dropped statement (its destructor
    // asserts a current Node environment). The other statements stay referenced: the hot path's set for
    // the store's lifetime, Kysely's in the statement cache below (dropped only past its 512 entries).
    // busy_timeout first, so that switching to WAL waits for another process instead of failing.
    // SQLite's own default page cache, 2 MiB: better-sqlite3 is built with 16 MiB, which became the
    // largest single share of a Gatehouse process's memory under writes (issue 18: code-exchange bench
    // peak RSS 131 → 112–121 MB at the same req/s). Pages beyond it come from the OS page cache.
    raw.exec(
      'PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; ' +
        'PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000;',
    );
  } catch (error) {
    raw.close();
    throw error;
  }

  // realpath so that two spellings of one file (symlinks, ./a vs a) share the queue.
  const shared = shareFileMutex(memory ? undefined : realpathSync(file));
  const db = new Kysely<Database>({ dialect: sharedFileDialect(raw, shared.mutex) });
  return new KyselyStore(db, 'sqlite', new SqliteHotPath(raw, shared.mutex), { onClose: shared.release });
}
