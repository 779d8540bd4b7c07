/** PostgreSQL backend (node-postgres pool). */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ClientCacheOptions } from './client-cache.js';
import { PostgresClientPeers } from './client-peers.js';
import { PostgresHotPath } from './hot/postgres.js';
import { KyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';

const INT8_OID = 20;

export interface PostgresStoreOptions {
  /** Maximum connections in the pool (default 10). */
  poolSize?: number;
  /**
   * How long opening a connection may take (ms; default 0: as long as the OS allows). A database that
   * drops packets would otherwise hold each request for minutes; the timeout is an outage
   * (store/availability.ts), answered 503.
   */
  connectTimeoutMs?: number;
}

/** Opens a pool for `connectionString` (postgres://… or postgresql://…). Does not migrate. */
export async function openPostgresStore(
  connectionString: string,
  options: PostgresStoreOptions = {},
): Promise<KyselyStore> {
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new Error(`poolSize must be a positive integer, got ${poolSize}`);
  }
  // Times are BIGINT epoch ms. Parse int8 as a JS number for this pool only, rather than through
  // pg.types, which would change the behaviour of every other pg user in the host application.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    types,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 0,
  });
  // An idle client losing its connection (server restart, failover) emits 'error' on the pool; with no
  // listener Node would crash the process. The pool drops that client and the next query reconnects.
  pool.on('error', () => {});
  // A client checked out of the pool (a transaction between two statements) has no such listener: a
  // server shutting down (57P01) or crashing then emitted an unhandled 'error' and killed the process
  // (test/reliability/postgres-restart.test.ts). The statement in flight still fails, and the pool
  // discards the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const store = new PostgresStore(
    db,
    new PostgresHotPath(pool),
    new PostgresClientPeers(connectionString, pool),
  );
  // For the metrics' pool gauges (src/metrics/prometheus.ts).
  store.poolStats = () => ({
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max: poolSize,
  });
  return store;
}

/** The Kysely store whose client cache hears of other instances' client writes (client-peers.ts). */
class PostgresStore extends KyselyStore {
  constructor(
    db: Kysely<Database>,
    hot: PostgresHotPath,
    private readonly peers: PostgresClientPeers,
  ) {
    super(db, 'postgres', hot);
  }

  override cacheClients(options: ClientCacheOptions): void {
    super.cacheClients({ ...options, peers: this.peers });
  }

  override async close(): Promise<void> {
    await this.peers.close();
    await super.close();
  }
}
