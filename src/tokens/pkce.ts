import { createHash } from 'node:crypto';
import { safeEqual } from './crypto.js';

/** RFC 7636 §4.1: 43–128 characters from the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is base64url(SHA-256) without padding: exactly 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

export function isValidS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge);
}

/** @see RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))) */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** @see RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge */
export function verifyS256(verifier: string, challenge: string): boolean {
  return safeEqual(s256Challenge(verifier), challenge);
}
