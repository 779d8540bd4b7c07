import { randomUUID } from 'node:crypto';
import type { Context, Handler } from '../context.js';
import { json } from '../http/respond.js';
import { DatabaseUnavailableError, outageCode } from '../store/availability.js';
import type { Store } from '../store/types.js';

/** Liveness: the process answers. */
export const handleLive: Handler = async () => json({ status: 'ok' });

const NO_STORE = { 'cache-control': 'no-store' };

/** Per store: the probe row's instance id, and the probe still running (at most one at a time). */
const probes = new WeakMap<Store, { instance: string; running?: Promise<void> }>();

/**
 * The write the probe makes (Store.checkWritable: one row per instance, rewritten in place). A probe
 * still running when the next request comes (a pool waiting for a connection) is awaited again rather
 * than joined by another, so a stuck database never queues more than one probe per instance.
 */
function probeWrite(ctx: Context): Promise<void> {
  let probe = probes.get(ctx.store);
  if (!probe) {
    probe = { instance: randomUUID() };
    probes.set(ctx.store, probe);
  }
  if (probe.running) return probe.running;
  const held = probe;
  const running = ctx.store.checkWritable(held.instance, ctx.now()).finally(() => {
    held.running = undefined;
  });
  held.running = running;
  return running;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const message = `the readiness write took longer than ${ms} ms`;
      reject(new DatabaseUnavailableError(message, { code: 'READINESS_TIMEOUT' }));
    }, ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Readiness: the database accepts a write (not only a ping: a full disk or a read-only PostgreSQL
 * still answers `select 1`), within `readinessTimeout`. 503 while it does not, so a load balancer
 * routes elsewhere; the body never says why (the log does, with the driver's code).
 */
export const handleReady: Handler = async (ctx) => {
  try {
    await within(probeWrite(ctx), ctx.config.readinessTimeoutMs);
    return json({ status: 'ok' }, { headers: NO_STORE });
  } catch (error) {
    ctx.log.warn({ err: error, fault: outageCode(error) }, 'readiness: the database does not accept writes');
    return json(
      { status: 'unavailable' },
      { status: 503, headers: { ...NO_STORE, 'retry-after': String(ctx.config.databaseRetryAfter) } },
    );
  }
};
