import type { AuthorizationCodeRecord, RedeemCodeResult } from './types.js';

const MAX_CODES = 20_000;

/**
 * The authorization codes created through this store, kept until they expire, so that the instance that
 * issued a code checks its exchange without reading it back: the code exchange is then one round trip
 * (the atomic redemption), as the one-step redemption it replaced was. Safe because every column an
 * exchange checks is immutable (src/grants/code-checks.ts); only `consumedAt` changes, and the copy
 * records only consumptions made through this store. Whether a code is spent is settled by
 * redeemAuthorizationCode's atomic statement alone, never by this copy: a copy that still reads
 * unconsumed after another instance spent the code leads to `already_consumed`, the same outcome as a
 * fresh read. Codes redeemed at another instance than the one that issued them are read from the
 * database (one more round trip).
 */
export class IssuedCodes {
  readonly #codes = new Map<string, AuthorizationCodeRecord>();

  remember(code: AuthorizationCodeRecord): void {
    this.forgetExpired(code.createdAt);
    if (this.#codes.size >= MAX_CODES) this.#codes.delete(this.#codes.keys().next().value!);
    this.#codes.set(code.id, code);
  }

  recall(id: string): AuthorizationCodeRecord | undefined {
    return this.#codes.get(id);
  }

  /** After a redemption through this store: the copy reads consumed, or is dropped when it is not known. */
  redeemed(id: string, at: number, result: RedeemCodeResult): void {
    const code = this.#codes.get(id);
    if (!code) return;
    if (result.status === 'already_consumed') this.#codes.delete(id);
    else this.#codes.set(id, { ...code, consumedAt: at });
  }

  /** Drops the copies expired by `at` (codes are remembered in about the order they expire). */
  forgetExpired(at: number): void {
    for (const [id, code] of this.#codes) {
      if (code.expiresAt > at) return;
      this.#codes.delete(id);
    }
  }

  /** After deleting clients (and with them their codes). */
  forgetAll(): void {
    this.#codes.clear();
  }
}
