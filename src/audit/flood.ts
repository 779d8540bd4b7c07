/**
 * Audit events caused by unauthenticated requests, bounded under flood. Anyone can cause them (an
 * unknown client_id, a bad CIMD URL, a wrong password, a junk registration), so they must never cost one
 * row per request. Per event type and fixed window:
 *
 * - the first `perType` events from everyone are candidates for a row of their own, and of those the
 *   first `perNetwork` from one client network (an IPv6 /64) get one;
 * - a network past its `perNetwork` adds to one aggregate row per (type, network, window), which can
 *   only happen to perType / perNetwork networks;
 * - past `perType`, every event adds to one aggregate row per (type, window).
 *
 * So one type stores at most perType + perType / perNetwork + 1 rows per window, whatever the traffic.
 * Events of a throttled request (`throttled`) are never stored individually: they only count into the
 * aggregate rows. The counters are rate-limit rows, shared by every instance through the database.
 */
import type { AuditEventInput, Store } from '../store/types.js';

export interface FloodBounds {
  windowMs: number;
  perNetwork: number;
  perType: number;
}

export async function recordUnderFlood(
  store: Store,
  bounds: FloodBounds,
  event: AuditEventInput,
  network: string,
  at: number,
  options: { throttled?: boolean; count?: number } = {},
): Promise<void> {
  const { windowMs } = bounds;
  const windowStart = Math.floor(at / windowMs) * windowMs;
  const everyone = await store.hitRateLimit(`audit:${event.type}`, bounds.perType, windowMs, at);
  if (everyone.allowed) {
    if (!options.throttled) {
      const mine = await store.hitRateLimit(
        `audit:${event.type}:${network}`,
        bounds.perNetwork,
        windowMs,
        at,
      );
      if (mine.allowed) return store.recordAuditEvent(event, at);
    }
    return aggregate(store, event, network, windowStart, windowMs, options.count ?? 1, at);
  }
  return aggregate(store, event, null, windowStart, windowMs, options.count ?? 1, at);
}

/** Adds to the window's aggregate row for this type and network (null: every network). */
function aggregate(
  store: Store,
  event: AuditEventInput,
  network: string | null,
  windowStart: number,
  windowMs: number,
  count: number,
  at: number,
): Promise<void> {
  const key = `${event.type}|${network ?? '*'}|${windowStart}`;
  return store.aggregateAuditEvent(
    key,
    {
      type: event.type,
      // The first event's client stands as a sample only for one network; across networks it says nothing.
      clientId: network === null ? null : (event.clientId ?? null),
      ip: network,
      userAgent: network === null ? null : (event.userAgent ?? null),
      detail: {
        aggregated: true,
        network: network ?? 'many',
        window_start: new Date(windowStart).toISOString(),
        window_end: new Date(windowStart + windowMs).toISOString(),
        sample: event.detail ?? {},
      },
    },
    count,
    at,
  );
}
