import type { Context } from '../context.js';
import { cleanupStaleClients } from './lifecycle.js';

/**
 * The periodic housekeeping (every 10 minutes, and `POST /admin/api/maintenance/housekeeping`): expired
 * rows, audit retention, stale DCR clients, unused CIMD clients, and the throttle's pending tallies.
 * Every delete is batched in the store, so a run on big tables never holds a long lock.
 */
export interface HousekeepingReport {
  auditEvents: number;
  staleDcrClients: number;
  unusedCimdClients: number;
}

export async function housekeep(ctx: Context): Promise<HousekeepingReport> {
  const at = ctx.now();
  // Tallies first: writing them counts in rate-limit windows, which the purge then finds settled.
  await ctx.rejections.flush();
  await ctx.store.purgeExpired(at);
  const { retentionMs, maxEvents } = ctx.config.audit;
  const auditEvents = await ctx.store.purgeAuditEvents({
    before: at - retentionMs,
    ...(maxEvents > 0 ? { maxEvents } : {}),
  });
  const staleDcrClients = await cleanupStaleClients(ctx);
  const unusedCimdClients = await collectUnusedCimdClients(ctx, at);
  return { auditEvents, staleDcrClients, unusedCimdClients };
}

/** An administrator runs the housekeeping now (`POST /admin/api/maintenance/housekeeping`); audited. */
export async function housekeepNow(ctx: Context, actor: string): Promise<HousekeepingReport> {
  const report = await housekeep(ctx);
  await ctx.audit({ type: 'maintenance.housekeeping', actor, detail: { ...report } });
  return report;
}

/** An administrator deletes stale registered clients now; audited in aggregate. */
export async function cleanupStaleClientsNow(ctx: Context, actor: string): Promise<number> {
  const deleted = await cleanupStaleClients(ctx);
  await ctx.audit({ type: 'maintenance.cleanup', actor, detail: { deleted } });
  return deleted;
}

const GC_BATCH = 500;

/**
 * Deletes cached CIMD clients nothing needs any more (store: deleteUnusedCimdClients), so junk
 * documents fetched once cannot pile up. The next request for one fetches its document again, as for a
 * new client. Audited in aggregate: one event per batch, with the count and a sample of the ids.
 */
export async function collectUnusedCimdClients(ctx: Context, at = ctx.now()): Promise<number> {
  const staleAfterMs = ctx.config.cimd.staleAfterMs;
  let total = 0;
  for (;;) {
    const deleted = await ctx.store.deleteUnusedCimdClients(at - staleAfterMs, at, GC_BATCH);
    if (deleted.length > 0) {
      await ctx.audit({
        type: 'cimd.collected',
        actor: 'housekeeping',
        detail: {
          count: deleted.length,
          unusedDays: staleAfterMs / 86_400_000,
          sample: deleted.slice(0, 10),
        },
      });
    }
    total += deleted.length;
    if (deleted.length < GC_BATCH) return total;
  }
}
