/** What every verb module needs: the database and which dialect it speaks. */
import type { Kysely, Transaction } from 'kysely';
import type { SqlDialect } from '../migrations.js';
import type { Database } from '../schema.js';
import { UniqueViolation } from '../types.js';

export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
}

export type Tx = Transaction<Database>;

const UNIQUE_CODES = new Set(['23505', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE']);

export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return UNIQUE_CODES.has(String((error as { code?: unknown }).code));
}

/** Runs an insert and turns a duplicate-key error into the contract's `UniqueViolation`. */
export async function insertUnique<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUniqueViolation(error)) throw new UniqueViolation(what);
    throw error;
  }
}

/**
 * Runs `fn` in a write transaction. On SQLite the driver opens it with BEGIN IMMEDIATE (see
 * ../sqlite.ts), which takes the database write lock up front, so writers across processes queue on
 * busy_timeout instead of failing when a read transaction cannot be upgraded.
 */
export function writeTx<T>(ctx: StoreContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute(fn);
}

/** Clamps a caller-supplied page size to [1, max], using `fallback` when absent or not a number. */
export function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

export function affected(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): number {
  return Number(result.numUpdatedRows ?? result.numDeletedRows ?? 0n);
}
