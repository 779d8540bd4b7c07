import type { Context } from '../context.js';
import type { Overview } from './views.js';

/** The dashboard's Overview (and `GET /admin/api/overview`): clients per lane, activity per day. */

const DAY = 86_400_000;
const REGISTRATION_TYPES = ['dcr.registered', 'client.created'];
const FETCH_FAILED = 'cimd.fetch_failed';

export async function overview(ctx: Context, days = 14): Promise<Overview> {
  const clients: Overview['clients'] = {
    preregistered: { active: 0, disabled: 0 },
    cimd: { active: 0, disabled: 0 },
    dcr: { active: 0, disabled: 0 },
  };
  for (const row of await ctx.store.countClients()) {
    clients[row.source][row.disabled ? 'disabled' : 'active'] += row.count;
  }
  const today = Math.floor(ctx.now() / DAY) * DAY;
  const since = today - (days - 1) * DAY;
  const buckets = Array.from({ length: days }, (_, i) => ({
    day: new Date(since + i * DAY).toISOString().slice(0, 10),
    registrations: 0,
    fetchFailures: 0,
  }));
  // One grouped query over the (type, at) index; aggregate rows count as many events as they stand for,
  // so a flood of failures costs the dashboard no more than a quiet day.
  for (const row of await ctx.store.countAuditEventsByDay([...REGISTRATION_TYPES, FETCH_FAILED], since)) {
    const bucket = buckets[Math.floor((row.day - since) / DAY)];
    if (!bucket) continue;
    if (row.type === FETCH_FAILED) bucket.fetchFailures += row.count;
    else bucket.registrations += row.count;
  }
  return { clients, days: buckets };
}
