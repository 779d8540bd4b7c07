import type { Handler } from '../context.js';
import { json } from '../http/respond.js';

/** Liveness: the process answers. */
export const handleLive: Handler = async () => json({ status: 'ok' });

/** Readiness: the database answers too; 503 while it does not, so a load balancer routes elsewhere. */
export const handleReady: Handler = async (ctx) => {
  try {
    await ctx.store.ping();
    return json({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } });
  } catch {
    return json({ status: 'unavailable' }, { status: 503, headers: { 'cache-control': 'no-store' } });
  }
};
