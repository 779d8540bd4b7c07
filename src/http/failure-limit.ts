/**
 * Guessing resistance for the credential endpoints (token, introspection, revocation): a client IP
 * (keyed by `rateLimitKey`: an IPv6 client by its /64, client-ip.ts) that keeps presenting invalid
 * codes, tokens or client credentials is answered 429 for the rest of
 * the window (checklist §4 attacks 14 and 45). Only failures are counted, in memory per instance, so
 * the hot path of a well-behaved client never pays a database round trip; the credentials themselves
 * carry ≥ 256 bits, so this bounds noise and scanning rather than being the only defence.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Seconds until `key` may try again, or 0 when it is not blocked. */
  blockedFor(key: string): number {
    const entry = this.windows.get(key);
    if (!entry || entry.count < this.limit) return 0;
    const left = entry.start + this.windowMs - this.clock();
    if (left <= 0) {
      this.windows.delete(key);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  fail(key: string): void {
    const now = this.clock();
    const entry = this.windows.get(key);
    if (!entry || now - entry.start >= this.windowMs) {
      if (this.windows.size >= this.maxKeys) this.prune(now);
      this.windows.set(key, { start: now, count: 1 });
    } else {
      entry.count++;
    }
  }

  private prune(now: number): void {
    for (const [key, entry] of this.windows) if (now - entry.start >= this.windowMs) this.windows.delete(key);
    // Still full: forget the oldest half rather than grow without bound.
    if (this.windows.size >= this.maxKeys) {
      let drop = this.windows.size / 2;
      for (const key of this.windows.keys()) {
        if (drop-- <= 0) break;
        this.windows.delete(key);
      }
    }
  }
}
