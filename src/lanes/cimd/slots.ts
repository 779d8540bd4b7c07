/**
 * Caps on CIMD fetches in flight on this instance: globally (`maxConcurrentFetches`; a request waits
 * for a slot up to the fetch timeout) and per client IP (`maxConcurrentFetchesPerIp`, IPv6 by /64; a
 * request over it is refused at once), so one network's slow or hostile hosts cannot take every slot.
 */
export class FetchSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly perIp = new Map<string, number>();

  constructor(private readonly limits: () => { global: number; perIp: number; waitMs: number }) {}

  /** A release function, or undefined when `ipKey` already has its share of fetches in flight. */
  takeIpSlot(ipKey: string): (() => void) | undefined {
    const used = this.perIp.get(ipKey) ?? 0;
    if (used >= this.limits().perIp) return undefined;
    this.perIp.set(ipKey, used + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perIp.get(ipKey) ?? 1) - 1;
      if (left > 0) this.perIp.set(ipKey, left);
      else this.perIp.delete(ipKey);
    };
  }

  /** Waits for a global slot; throws FetchBusy when none frees up in time. */
  async acquire(): Promise<() => void> {
    const { global, waitMs } = this.limits();
    if (this.active < global) this.active++;
    // Full: wait until a release hands its slot over (the count stays as it is).
    else
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = this.waiting.indexOf(go);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(new FetchBusy('too many documents are being fetched right now; try again shortly'));
        }, waitMs);
        const go = () => {
          clearTimeout(timer);
          resolve();
        };
        this.waiting.push(go);
      });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

export class FetchBusy extends Error {
  override name = 'FetchBusy';
}
