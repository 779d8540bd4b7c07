/**
 * Throttling of refused unauthenticated requests per client network (the routes the router marks
 * `anonymous`). Each refusal is counted in the database (`rejected:<network>`), so every instance
 * sees the same count; once a network is over the limit, the instance that learns it answers 429 for
 * the rest of the window from memory: a throttled request does no work and writes nothing. What was
 * throttled is tallied here and written as one aggregate `request.throttled` audit row per network and
 * window when the block ends (or at housekeeping and close), never one row per request.
 */
import type { Store } from '../store/types.js';

interface Block {
  until: number;
  /** Requests answered 429 since the last flush. */
  throttled: number;
}

export type ThrottledTally = (network: string, count: number, at: number) => Promise<void>;

export class RejectionThrottle {
  private readonly blocks = new Map<string, Block>();

  constructor(
    private readonly store: Store,
    private readonly limit: { maxRejections: number; windowMs: number },
    private readonly clock: () => number,
    private readonly onTally: ThrottledTally,
    private readonly maxKeys = 100_000,
  ) {}

  /** Seconds until `network` may be served again (0: not blocked); counts the request as throttled. */
  blockedFor(network: string): number {
    const block = this.blocks.get(network);
    if (!block) return 0;
    const now = this.clock();
    if (block.until <= now) {
      this.blocks.delete(network);
      void this.write(network, block, now);
      return 0;
    }
    block.throttled++;
    return Math.ceil((block.until - now) / 1000);
  }

  /** Counts one refused request of `network`; once it has had its `maxRejections`, blocks it. */
  async reject(network: string): Promise<void> {
    const at = this.clock();
    const { maxRejections, windowMs } = this.limit;
    const hit = await this.store.hitRateLimit(`rejected:${network}`, maxRejections, windowMs, at);
    if (hit.count < maxRejections || this.blocks.has(network)) return;
    if (this.blocks.size >= this.maxKeys) await this.flush(true);
    this.blocks.set(network, { until: at + hit.retryAfter * 1000, throttled: 0 });
  }

  /** Writes every pending tally; drops ended blocks (and, when `all`, every block: memory is full). */
  async flush(all = false): Promise<void> {
    const now = this.clock();
    const writes: Promise<void>[] = [];
    for (const [network, block] of this.blocks) {
      if (all || block.until <= now) this.blocks.delete(network);
      writes.push(this.write(network, block, now));
    }
    await Promise.all(writes);
  }

  private async write(network: string, block: Block, at: number): Promise<void> {
    const count = block.throttled;
    if (count === 0) return;
    block.throttled = 0;
    await this.onTally(network, count, at).catch(() => {});
  }
}
