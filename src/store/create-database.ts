import { postgresDatabaseName, postgresOpenFailure } from './open-errors.js';

/**
 * `--create-database` (serve, migrate): creates the PostgreSQL database a URL names when it does not
 * exist, connecting to the same server's `postgres` maintenance database with the same credentials.
 * Resolves to whether it created one. SQLite needs nothing: it creates its file on first open.
 */
export async function createDatabaseIfMissing(databaseUrl: string): Promise<boolean> {
  if (!/^postgres(ql)?:\/\//i.test(databaseUrl)) return false;
  const name = postgresDatabaseName(databaseUrl);
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = name === 'postgres' ? '/template1' : '/postgres';
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: maintenance.href });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw postgresOpenFailure(error, maintenance.href);
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    // An identifier cannot be a bind parameter: quote it (PostgreSQL §4.1.1, doubled quotes).
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    return true;
  } catch (error) {
    // 42P04 duplicate_database: another process created it in between.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
