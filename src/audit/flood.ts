/**
 * Audit events caused by unauthenticated requests, bounded under flood. Anyone can cause them (an
 * unknown client_id, a bad CIMD URL, a wrong password, a junk registration), so they must never cost one
 * row per request. Per event type and fixed window:
 *
 * - the first `perType` events from everyone are candidates for a row of their own, and of those the
 *   first `perNetwork` from one client network (an IPv6 /64) get one;
 * - a network past its `perNetwork` (or any network's throttled event) adds to one aggregate row per
 *   (type, network, window), for at most perType / perNetwork networks;
 * - past either budget, every event adds to one aggregate row per (type, window).
 *
 * So one type stores at most perType + perType / perNetwork + 1 rows per window, whatever the traffic.
 * Events of a throttled request (`throttled`) are never stored individually: they only count into the
 * aggregate rows. The counters are rate-limit rows, shared by every instance through the database; once
 * an instance has seen a budget spent, it remembers that until the window ends, so under flood an event
 * costs one upsert of its aggregate row and nothing else.
 */
import type { AuditEventInput, Store } from '../store/types.js';

export interface FloodBounds {
  windowMs: number;
  perNetwork: number;
  perType: number;
}

/** Remembered routes beyond this many are forgotten (which only costs counter hits again). */
const MAX_ROUTES = 50_000;

export class FloodBoundedAudit {
  /**
   * Where events go once a budget is known to be spent, by `type` (→ the type's aggregate row) or
   * `type|network` (→ that network's aggregate row, or the type's when per-network rows ran out).
   */
  private readonly routes = new Map<string, { window: number; network: string | null }>();

  constructor(
    private readonly store: Store,
    private readonly bounds: FloodBounds,
  ) {}

  async record(
    event: AuditEventInput,
    network: string,
    at: number,
    options: { throttled?: boolean; count?: number } = {},
  ): Promise<void> {
    const { windowMs, perType, perNetwork } = this.bounds;
    const window = Math.floor(at / windowMs) * windowMs;
    const count = options.count ?? 1;
    const mine = `${event.type}|${network}`;
    const known = this.routeOf(event.type, window) ?? this.routeOf(mine, window);
    if (known) return this.aggregate(event, known.network, window, count, at);
    const everyone = await this.store.hitRateLimit(`audit:${event.type}`, perType, windowMs, at);
    if (!everyone.allowed)
      return this.aggregate(event, this.remember(event.type, window, null), window, count, at);
    if (!options.throttled) {
      const hit = await this.store.hitRateLimit(`audit:${mine}`, perNetwork, windowMs, at);
      if (hit.allowed) return this.store.recordAuditEvent(event, at);
    }
    // A network past its share (or throttled) gets one aggregate row, while the type's budget of
    // per-network aggregate rows lasts; after that it adds to the type's single aggregate row.
    const rows = Math.ceil(perType / Math.max(1, perNetwork));
    const own = await this.store.hitRateLimit(`audit:${event.type}|networks`, rows, windowMs, at);
    const to = this.remember(mine, window, own.allowed ? network : null);
    return this.aggregate(event, to, window, count, at);
  }

  private routeOf(key: string, window: number): { network: string | null } | undefined {
    const route = this.routes.get(key);
    return route?.window === window ? route : undefined;
  }

  private remember(key: string, window: number, network: string | null): string | null {
    if (this.routes.size >= MAX_ROUTES) this.routes.clear();
    this.routes.set(key, { window, network });
    return network;
  }

  /** Adds to the window's aggregate row for this type and network (null: every network). */
  private aggregate(
    event: AuditEventInput,
    network: string | null,
    window: number,
    count: number,
    at: number,
  ): Promise<void> {
    const key = `${event.type}|${network ?? '*'}|${window}`;
    return this.store.aggregateAuditEvent(
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
          window_start: new Date(window).toISOString(),
          window_end: new Date(window + this.bounds.windowMs).toISOString(),
          sample: event.detail ?? {},
        },
      },
      count,
      at,
    );
  }
}
