/** The readiness probe's write (Store.checkWritable). */
import type { StoreContext } from './context.js';

/** How long a probe row outlives its last write: housekeeping then deletes it as an old window. */
const PROBE_ROW_TTL_MS = 3_600_000;

/**
 * One upsert of one row per instance in the rate-limit table (`ready:<instance>`, window 0, count 0:
 * no limit ever reads it). A real committed write, so it fails where writes fail (a full disk, a
 * read-only or standby PostgreSQL: 25006), yet it never grows the database: the row is rewritten in
 * place, and housekeeping's `window_end <= now` purge removes the row of an instance gone for an hour.
 */
export async function checkWritable(ctx: StoreContext, instance: string, at: number): Promise<void> {
  const windowEnd = at + PROBE_ROW_TTL_MS;
  await ctx.db
    .insertInto('gatehouse_rate_limits')
    .values({ key: `ready:${instance}`, window_start: 0, window_end: windowEnd, count: 0 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ window_end: windowEnd }))
    .execute();
}
