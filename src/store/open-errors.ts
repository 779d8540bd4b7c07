import { resolve } from 'node:path';

/**
 * What went wrong opening the database, in words that say it is the database, where it is (never
 * the password) and what to do. The raw errors (`connect ECONNREFUSED …`, `database "x" does not
 * exist`, `EACCES: permission denied, mkdir …`) name neither the database nor a remedy.
 */

/** Thrown when the configured database cannot be opened. `code` tells the CLI what it can offer. */
export class DatabaseOpenError extends Error {
  constructor(
    message: string,
    readonly code: 'unreachable' | 'missing_database' | 'sqlite',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

/** `postgres://user@host:port/name`: the URL without its password or query (which may hold one). */
export function describePostgresUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    return `${url.protocol}//${user}${url.host || 'localhost'}${url.pathname}`;
  } catch {
    return 'postgres://(an unparseable URL)';
  }
}

/** The database name in a PostgreSQL URL (defaults to the user name, as libpq does). */
export function postgresDatabaseName(connectionString: string): string {
  const url = new URL(connectionString);
  return (
    decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || 'postgres'
  );
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);

/** Translates a PostgreSQL connection failure; returns other errors unchanged. */
export function postgresOpenFailure(error: unknown, connectionString: string): unknown {
  const code = (error as { code?: string }).code;
  const where = describePostgresUrl(connectionString);
  // PostgreSQL error codes, Appendix A: 3D000 invalid_catalog_name, 28P01/28000 authentication.
  if (code === '3D000') {
    const name = postgresDatabaseName(connectionString);
    const url = new URL(connectionString);
    const flags = [
      url.hostname && `-h ${url.hostname}`,
      url.port && `-p ${url.port}`,
      url.username && `-U ${decodeURIComponent(url.username)}`,
    ]
      .filter(Boolean)
      .join(' ');
    return new DatabaseOpenError(
      `the PostgreSQL database "${name}" does not exist (database ${where}). Create it: run the command again with --create-database, or \`createdb ${flags ? `${flags} ` : ''}${name}\``,
      'missing_database',
      { cause: error },
    );
  }
  if (code === '28P01' || code === '28000')
    return new DatabaseOpenError(
      `PostgreSQL refused the credentials for the database ${where} (${(error as Error).message}). Check the user and password in the database URL`,
      'unreachable',
      { cause: error },
    );
  if (code && UNREACHABLE.has(code))
    return new DatabaseOpenError(
      `cannot reach the PostgreSQL database ${where} (${code}). Is PostgreSQL running there, and is the database URL (\`database\`, or GATEHOUSE_DATABASE_URL for the CLI) right?`,
      'unreachable',
      { cause: error },
    );
  return error;
}

/** Translates a failure to open or create an SQLite file. */
export function sqliteOpenFailure(error: unknown, path: string): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'SQLITE_NOTADB')
    return new DatabaseOpenError(
      `the SQLite database ${resolve(path)} is not an SQLite file. Point \`database\` at another file`,
      'sqlite',
      { cause: error },
    );
  if (code?.startsWith('SQLITE_') || (code && /^E[A-Z]+$/.test(code)))
    return new DatabaseOpenError(
      `cannot open the SQLite database ${resolve(path)}: ${error.message}. Check that its directory can be created and written, or point \`database\` elsewhere`,
      'sqlite',
      { cause: error },
    );
  return error;
}
