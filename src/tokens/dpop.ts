import { createHmac, timingSafeEqual } from 'node:crypto';

export { DPOP_ALGORITHMS, DpopProofError, verifyDpopProof } from '../resource/dpop.js';

/**
 * Server-provided DPoP nonces (RFC 9449 §8), stateless so that every instance accepts every other's:
 * a nonce is `<window>.<HMAC-SHA256(key, window)>`, where the window is the current time divided by the
 * lifetime. The current and the previous window are accepted, so a nonce lives between one and two
 * lifetimes. `key` is derived from the configured secret for this purpose only.
 */

function mac(key: Buffer, window: number): string {
  return createHmac('sha256', key).update(`dpop-nonce:${window}`).digest('base64url');
}

function windowAt(now: number, lifetime: number): number {
  return Math.floor(now / 1000 / lifetime);
}

/** The nonce to hand out now (DPoP-Nonce header). */
export function currentDpopNonce(key: Buffer, now: number, lifetime: number): string {
  const window = windowAt(now, lifetime);
  return `${window.toString(36)}.${mac(key, window)}`;
}

/** Whether `nonce` is one this server handed out in the current or the previous window. */
export function isCurrentDpopNonce(key: Buffer, nonce: string, now: number, lifetime: number): boolean {
  const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(nonce);
  if (!match) return false;
  const window = Number.parseInt(match[1]!, 36);
  const current = windowAt(now, lifetime);
  if (window !== current && window !== current - 1) return false;
  const expected = Buffer.from(mac(key, window));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The nonce key derived from a purpose key of the secret (never the secret itself). */
export function dpopNonceKey(base: Buffer): Buffer {
  return createHmac('sha256', base).update('gatehouse dpop nonce key').digest();
}
