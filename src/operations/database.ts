import { createDatabaseIfMissing as createIfMissing } from '../store/create-database.js';
import { describePostgresUrl } from '../store/open-errors.js';

/**
 * `--create-database` (serve, migrate): the CLI's one database chore before Gatehouse opens, here so the
 * CLI stays off the store. Creates the PostgreSQL database the URL names when it does not exist and
 * answers how to name it (`postgres://user@host:port/name`, never the password); undefined when nothing
 * was created (it exists, or SQLite, which creates its file on first open).
 */
export async function createDatabaseIfMissing(databaseUrl: string): Promise<string | undefined> {
  return (await createIfMissing(databaseUrl)) ? describePostgresUrl(databaseUrl) : undefined;
}
