import type { AuthorizationCodeRecord } from './types.js';

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

  /**
   * After a redemption through this store, whatever its outcome: the code is spent, so the copy has
   * done its work and is dropped. A replay of the code (rare, and refused) reads the spent row from the
   * database; keeping consumed copies until they expired held every code of the last ten minutes in
   * memory (issue 18: 20,000 records, RSS over 120 MB under the code-exchange bench).
   */
  redeemed(id: string): void {
    this.#codes.delete(id);
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
