/** Audit log, rate limiting and purging of expired rows. */
import { auditFromRow } from '../mappers.js';
import type { AuditEventInput, AuditEventRecord, AuditQuery, RateLimitResult } from '../types.js';
import { clampLimit, type StoreContext } from './context.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export async function recordAuditEvent(ctx: StoreContext, event: AuditEventInput, at: number): Promise<void> {
  await ctx.db
    .insertInto('gatehouse_audit_events')
    .values({
      at,
      type: event.type,
      client_id: event.clientId ?? null,
      user_id: event.userId ?? null,
      actor: event.actor ?? null,
      ip: event.ip ?? null,
      user_agent: event.userAgent ?? null,
      detail: JSON.stringify(event.detail ?? {}),
    })
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
  // A single statement, so concurrent hits on any instance each get a distinct count.
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
  const count = Number(row.count);
  return { allowed: count <= limit, count, retryAfter: Math.ceil((windowEnd - at) / 1000) };
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
 * Separate statements, not one transaction: each delete is safe alone, and on SQLite a long transaction
 * would hold the database write lock against token requests for the whole purge.
 */
export async function purgeExpired(ctx: StoreContext, at: number): Promise<void> {
  const { db } = ctx;
  // Codes linger an hour past expiry so a replayed code is still recognised (and its grant revoked)
  // rather than reported as unknown.
  await db
    .deleteFrom('gatehouse_authorization_codes')
    .where('expires_at', '<', at - HOUR_MS)
    .execute();
  await db.deleteFrom('gatehouse_refresh_tokens').where('expires_at', '<', at).execute();
  await db.deleteFrom('gatehouse_browser_sessions').where('expires_at', '<', at).execute();
  await db.deleteFrom('gatehouse_password_resets').where('expires_at', '<', at).execute();
  await db.deleteFrom('gatehouse_revoked_access_tokens').where('expires_at', '<', at).execute();
  // Windows are only ever read while current; a day of history helps diagnose lockouts.
  await db
    .deleteFrom('gatehouse_rate_limits')
    .where('window_end', '<', at - DAY_MS)
    .execute();
}
