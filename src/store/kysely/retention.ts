/**
 * Bounded storage: aggregate audit rows, audit retention, garbage collection of unused CIMD clients,
 * and the batched deletes they share. Every delete runs in batches of indexed rows, each its own
 * statement, so a purge of millions of rows never holds SQLite's write lock (or a long PostgreSQL
 * transaction) against the token endpoint.
 */
import { type RawBuilder, sql } from 'kysely';
import { capAuditEvent } from '../audit-caps.js';
import type { AuditDayCount, AuditEventInput } from '../types.js';
import { deleteClientRows, lockClientForDelete } from './clients.js';
import type { StoreContext } from './context.js';
import { writeTx } from './context.js';

const DAY_MS = 86_400_000;
export const DELETE_BATCH = 5000;

/**
 * Deletes the rows of `table` matching `condition`, `batch` at a time (by key, through an index the
 * condition uses); returns how many. `key` is the primary key's column list.
 */
export async function deleteInBatches(
  ctx: StoreContext,
  table: string,
  key: string,
  condition: RawBuilder<unknown>,
  batch = DELETE_BATCH,
): Promise<number> {
  let total = 0;
  for (;;) {
    const keys = sql.raw(key);
    const result = await sql`delete from ${sql.table(table)} where (${keys}) in
      (select ${keys} from ${sql.table(table)} where ${condition} limit ${sql.lit(batch)})`.execute(ctx.db);
    const n = Number(result.numAffectedRows ?? 0n);
    total += n;
    if (n < batch) return total;
  }
}

export async function aggregateAuditEvent(
  ctx: StoreContext,
  key: string,
  event: AuditEventInput,
  count: number,
  at: number,
): Promise<void> {
  if (!(Number.isInteger(count) && count > 0)) throw new Error('aggregateAuditEvent: count must be positive');
  await ctx.db
    .insertInto('gatehouse_audit_events')
    .values({ at, ...capAuditEvent(event), count, last_at: at, aggregate_key: key })
    .onConflict((oc) =>
      oc.column('aggregate_key').doUpdateSet((eb) => ({
        count: eb('gatehouse_audit_events.count', '+', count),
        last_at: sql<number>`case when ${eb.ref('excluded.last_at')} > ${eb.ref('gatehouse_audit_events.last_at')}
          then ${eb.ref('excluded.last_at')} else ${eb.ref('gatehouse_audit_events.last_at')} end`,
      })),
    )
    .execute();
}

export async function purgeAuditEvents(
  ctx: StoreContext,
  options: { before: number; maxEvents?: number },
): Promise<number> {
  let deleted = await deleteInBatches(ctx, 'gatehouse_audit_events', 'id', sql`at < ${options.before}`);
  if (options.maxEvents !== undefined && options.maxEvents > 0) {
    // The id below which everything goes: the newest maxEvents rows stay (ids only grow).
    const edge = await ctx.db
      .selectFrom('gatehouse_audit_events')
      .select('id')
      .orderBy('id', 'desc')
      .offset(options.maxEvents)
      .limit(1)
      .executeTakeFirst();
    if (edge) {
      deleted += await deleteInBatches(ctx, 'gatehouse_audit_events', 'id', sql`id <= ${Number(edge.id)}`);
    }
  }
  return deleted;
}

export async function countAuditEventsByDay(
  ctx: StoreContext,
  types: string[],
  since: number,
): Promise<AuditDayCount[]> {
  if (types.length === 0) return [];
  const day = sql<number>`(at / ${sql.lit(DAY_MS)})`;
  const rows = await ctx.db
    .selectFrom('gatehouse_audit_events')
    .select(['type', day.as('day'), sql<number>`sum(count)`.as('count')])
    .where('type', 'in', types)
    .where('at', '>=', since)
    .groupBy(['type', day])
    .execute();
  return rows.map((r) => ({ type: r.type, day: Number(r.day) * DAY_MS, count: Number(r.count) }));
}

/** A CIMD client that nothing needs: not disabled, not used or refreshed since `before`, no live grant. */
function collectable(before: number, at: number): RawBuilder<boolean> {
  return sql<boolean>`c.source = 'cimd' and c.disabled_at is null and c.updated_at < ${before}
    and (c.last_used_at is null or c.last_used_at < ${before})
    and not exists (select 1 from gatehouse_refresh_tokens rt
      join gatehouse_grants g on g.id = rt.grant_id
      where rt.client_id = c.client_id and rt.expires_at > ${at} and rt.revoked_at is null
        and g.revoked_at is null)`;
}

export async function deleteUnusedCimdClients(
  ctx: StoreContext,
  unusedBefore: number,
  at: number,
  limit: number,
): Promise<string[]> {
  const deleted: string[] = [];
  let cursor: { updatedAt: number; clientId: string } | undefined;
  while (deleted.length < limit) {
    const after = cursor
      ? sql`and (c.updated_at > ${cursor.updatedAt} or (c.updated_at = ${cursor.updatedAt} and c.client_id > ${cursor.clientId}))`
      : sql``;
    const { rows } = await sql<{ client_id: string; updated_at: number | string; metadata: string }>`
      select c.client_id, c.updated_at, c.metadata from gatehouse_clients c
      where ${collectable(unusedBefore, at)} ${after}
      order by c.updated_at, c.client_id limit 200`.execute(ctx.db);
    if (rows.length === 0) break;
    for (const row of rows) {
      cursor = { updatedAt: Number(row.updated_at), clientId: row.client_id };
      // An administrator's pin is a decision to keep; the flag lives in the metadata JSON.
      if (isPinned(row.metadata)) continue;
      if (await deleteIfStillCollectable(ctx, row.client_id, unusedBefore, at)) deleted.push(row.client_id);
      if (deleted.length >= limit) break;
    }
  }
  return deleted;
}

function isPinned(metadata: string): boolean {
  try {
    return (JSON.parse(metadata) as { cimd?: { pinned?: boolean } }).cimd?.pinned === true;
  } catch {
    return false;
  }
}

/** Re-checks under the delete's locks, so a client used or granted meanwhile is kept. */
function deleteIfStillCollectable(
  ctx: StoreContext,
  clientId: string,
  before: number,
  at: number,
): Promise<boolean> {
  return writeTx(ctx, async (tx) => {
    await lockClientForDelete(tx, ctx.dialect, clientId);
    const { rows } = await sql`select 1 as ok from gatehouse_clients c
      where c.client_id = ${clientId} and ${collectable(before, at)}`.execute(tx);
    if (rows.length === 0) return false;
    return deleteClientRows(tx, clientId);
  });
}
