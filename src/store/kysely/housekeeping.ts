/** Audit log, rate limiting and purging of expired rows. */
import { type RawBuilder, sql } from 'kysely';
import { capAuditEvent } from '../audit-caps.js';
import { auditFromRow } from '../mappers.js';
import type { AuditEventInput, AuditEventRecord, AuditQuery, RateLimitResult } from '../types.js';
import { clampLimit, type StoreContext } from './context.js';
import { deleteInBatches } from './retention.js';

const HOUR_MS = 3_600_000;

export async function recordAuditEvent(ctx: StoreContext, event: AuditEventInput, at: number): Promise<void> {
  // Every column capped (../audit-caps.ts): audit rows record what anonymous requests sent.
  await ctx.db
    .insertInto('gatehouse_audit_events')
    .values({ at, ...capAuditEvent(event) })
    .execute();
}

/** Newest first. `since` and `until` are both inclusive; `before` is an exclusive id cursor. */
export async function listAuditEvents(ctx: StoreContext, query: AuditQuery): Promise<AuditEventRecord[]> {
  let q = ctx.db.selectFrom('gatehouse_audit_events').selectAll();
  if (query.type !== undefined) q = q.where('type', '=', query.type);
  if (query.clientId !== undefined) q = q.where('client_id', '=', query.clientId);
  if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
  if (query.since !== undefined) q = q.where('at', '>=', query.since);
  if (query.until !== undefined) q = q.where('at', '<=', query.until);
  if (query.before !== undefined) q = q.where('id', '<', query.before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(clampLimit(query.limit, 100, 1000))
    .execute();
  return rows.map(auditFromRow);
}

export async function hitRateLimit(
  ctx: StoreContext,
  key: string,
  limit: number,
  windowMs: number,
  at: number,
): Promise<RateLimitResult> {
  if (!(windowMs > 0)) throw new Error('hitRateLimit: windowMs must be positive');
  const windowStart = Math.floor(at / windowMs) * windowMs;
  const windowEnd = windowStart + windowMs;
  const count = await countHit(ctx, key, windowStart, windowEnd);
  return { allowed: count <= limit, count, retryAfter: Math.ceil((windowEnd - at) / 1000) };
}

/**
 * One hit on the counter of `key` for the window starting at `windowStart`; the row goes with the
 * housekeeping once `windowEnd` has passed. A single statement, so concurrent hits on any instance
 * each get a distinct count.
 */
async function countHit(
  ctx: StoreContext,
  key: string,
  windowStart: number,
  windowEnd: number,
): Promise<number> {
  const row = await ctx.db
    .insertInto('gatehouse_rate_limits')
    .values({ key, window_start: windowStart, window_end: windowEnd, count: 1 })
    .onConflict((oc) =>
      oc
        .columns(['key', 'window_start'])
        .doUpdateSet((eb) => ({ count: eb('gatehouse_rate_limits.count', '+', 1) })),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Records the one use of `key`, kept until `expiresAt`: true for the first call, false for every
 * later one before then, on any instance. Not a clock window (those would let a use at the end of one
 * window happen again at the start of the next): the counter's window is the use's own lifetime, from
 * window_start 0, a start no clock window of a key used this way has.
 */
export async function claimOnce(ctx: StoreContext, key: string, expiresAt: number): Promise<boolean> {
  return (await countHit(ctx, key, 0, expiresAt)) === 1;
}

export async function resetRateLimit(ctx: StoreContext, key: string): Promise<void> {
  await ctx.db.deleteFrom('gatehouse_rate_limits').where('key', '=', key).execute();
}

export async function refundRateLimit(
  ctx: StoreContext,
  key: string,
  windowMs: number,
  at: number,
): Promise<void> {
  if (!(windowMs > 0)) throw new Error('refundRateLimit: windowMs must be positive');
  const windowStart = Math.floor(at / windowMs) * windowMs;
  await ctx.db
    .updateTable('gatehouse_rate_limits')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', key)
    .where('window_start', '=', windowStart)
    .where('count', '>', 0)
    .execute();
}

/**
 * Separate statements, not one transaction, each delete in batches (./retention.ts): each delete is safe
 * alone, and on SQLite a long transaction would hold the database write lock against token requests for
 * the whole purge.
 */
export async function purgeExpired(ctx: StoreContext, at: number): Promise<void> {
  const purge = (table: string, key: string, condition: RawBuilder<unknown>) =>
    deleteInBatches(ctx, table, key, condition);
  // Codes linger an hour past expiry so a replayed code is still recognised (and its grant revoked)
  // rather than reported as unknown.
  await purge('gatehouse_authorization_codes', 'id', sql`expires_at < ${at - HOUR_MS}`);
  await purge('gatehouse_refresh_tokens', 'id', sql`expires_at < ${at}`);
  await purge('gatehouse_browser_sessions', 'id', sql`expires_at < ${at}`);
  await purge('gatehouse_password_resets', 'id', sql`expires_at < ${at}`);
  await purge('gatehouse_revoked_access_tokens', 'jti', sql`expires_at < ${at}`);
  await purge('gatehouse_client_assertions', 'client_id, jti', sql`expires_at < ${at}`);
  await purge('gatehouse_id_jag_jtis', 'issuer, jti', sql`expires_at < ${at}`);
  await purge('gatehouse_saml_assertions', 'issuer, assertion_id', sql`expires_at < ${at}`);
  await purge('gatehouse_connection_states', 'id', sql`expires_at < ${at}`);
  // A window is only ever read while it runs, so it goes as soon as it has ended: anonymous traffic
  // creates counters (per network, per account tried), and they must not pile up. Lockouts are
  // diagnosed from the audit log.
  await purge('gatehouse_rate_limits', 'key, window_start', sql`window_end <= ${at}`);
}
