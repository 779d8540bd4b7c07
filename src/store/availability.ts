/**
 * Whether an error means "the database cannot serve us right now" (an outage: retry later) rather than
 * "this statement is wrong" (a bug: a 500). The one place that knows the drivers' failure shapes
 * (better-sqlite3, node-postgres and its pool, Node's sockets); the router answers the first kind
 * 503 temporarily_unavailable with Retry-After (docs/operations.md, "Database outages").
 */

/**
 * PostgreSQL SQLSTATEs (Appendix A) that are the server's state, not the statement's: class 08
 * connection exception, 53 insufficient resources (disk full, out of memory, too many connections),
 * 57P01-57P03 admin/crash shutdown and "cannot connect now" (starting up, recovering), 58 system
 * errors (I/O), 25006 read_only_sql_transaction (a hot standby, default_transaction_read_only).
 */
const POSTGRES_CLASSES = ['08', '53', '58'];
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '57P05', '25006']);

/** Node socket errors: the database host is unreachable or dropped the connection. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLite primary result codes (https://sqlite.org/rescode.html) of the file or its lock, never of the
 * statement: BUSY/LOCKED (still locked after busy_timeout), FULL (disk or max_page_count), IOERR,
 * READONLY, CANTOPEN, PROTOCOL (WAL lock race), NOMEM. Extended codes (SQLITE_IOERR_WRITE, …) share the
 * primary code's prefix.
 */
const SQLITE_PRIMARY = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
  'SQLITE_NOMEM',
];

/**
 * node-postgres and its pool report a lost or unobtainable connection by message only (no code):
 * "Connection terminated unexpectedly", "Connection terminated due to connection timeout",
 * "timeout exceeded when trying to connect" (pool), "Client has encountered a connection error and is
 * not queryable", "Connection terminated" (the server closed the socket mid-query).
 */
const POSTGRES_MESSAGES = [
  /^Connection terminated\b/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Query read timeout$/,
];

/** Thrown (or recognised) when the database is unavailable; `code` is the driver's, for the log. */
export class DatabaseUnavailableError extends Error {
  readonly code: string | undefined;
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DatabaseUnavailableError';
    this.code = options.code;
  }
}

function codeOf(error: object): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isOutageCode(code: string): boolean {
  if (SOCKET_CODES.has(code) || POSTGRES_CODES.has(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code) && POSTGRES_CLASSES.includes(code.slice(0, 2))) return true;
  return SQLITE_PRIMARY.some((primary) => code === primary || code.startsWith(`${primary}_`));
}

/** The first error in `error`'s cause chain (and AggregateError members) that is an outage. */
export function databaseOutageOf(error: unknown): Error | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 16) {
    const current = queue.shift();
    if (!(current instanceof Error) || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof DatabaseUnavailableError) return current;
    const code = codeOf(current);
    if (code !== undefined && isOutageCode(code)) return current;
    if (code === undefined && POSTGRES_MESSAGES.some((m) => m.test(current.message))) return current;
    if (current.cause !== undefined) queue.push(current.cause);
    if (current instanceof AggregateError) queue.push(...current.errors);
  }
  return undefined;
}

/** Whether `error` means the database is unavailable (retry later), not that the request or code is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return databaseOutageOf(error) !== undefined;
}

/** The driver's code of an outage (`SQLITE_FULL`, `57P01`, `ECONNREFUSED`), or a word when it has none. */
export function outageCode(error: unknown): string {
  const outage = databaseOutageOf(error);
  return (outage && codeOf(outage)) ?? (outage ? 'connection_lost' : 'unknown');
}
