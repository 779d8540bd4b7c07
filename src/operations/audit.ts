import type { Context } from '../context.js';
import type { AuditQuery } from '../store/types.js';
import type { AuditEventView } from './views.js';

/**
 * Reading the audit log (admin API, dashboard, `gatehouse audit tail`). Filters are parsed in
 * queries.ts; lists are keyset-paginated on the event id, newest first.
 */

export async function listAuditPage(
  ctx: Context,
  query: AuditQuery & { limit: number },
): Promise<{ events: AuditEventView[]; next: number | null }> {
  const events = await ctx.store.listAuditEvents(query);
  const next = events.length === query.limit ? events[events.length - 1]!.id : null;
  return { events, next };
}

/** The latest events of a client or user (detail panels). */
export function recentAuditEvents(
  ctx: Context,
  about: { clientId: string } | { userId: string },
  limit: number,
): Promise<AuditEventView[]> {
  return ctx.store.listAuditEvents({ ...about, limit });
}

/** Events newer than `afterId` (at most 1000), oldest first: what `audit tail --follow` prints next. */
export async function auditEventsSince(
  ctx: Context,
  query: AuditQuery,
  afterId: number,
): Promise<AuditEventView[]> {
  const page = await ctx.store.listAuditEvents({ ...query, limit: 1000 });
  return page.filter((e) => e.id > afterId).reverse();
}

/** Every matching event, newest first, as JSON lines (one page at a time, so memory stays flat). */
export function exportAuditLines(ctx: Context, query: AuditQuery): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let before = query.before;
  return new ReadableStream({
    async pull(controller) {
      const events = await ctx.store.listAuditEvents({ ...query, before, limit: 1000 });
      if (events.length === 0) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(events.map((e) => `${JSON.stringify(e)}\n`).join('')));
      before = events[events.length - 1]!.id;
      if (events.length < 1000) controller.close();
    },
  });
}

/** The audit filter of the CLI's options (the HTTP surfaces parse a query string: queries.ts). */
export function auditFilter(f: { type?: string; clientId?: string; userId?: string }): AuditQuery {
  return {
    ...(f.type ? { type: f.type } : {}),
    ...(f.clientId ? { clientId: f.clientId } : {}),
    ...(f.userId ? { userId: f.userId } : {}),
  };
}
