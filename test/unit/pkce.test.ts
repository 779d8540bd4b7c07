import { describe, expect, it } from 'vitest';
import { isValidCodeVerifier, isValidS256Challenge, verifyS256 } from '../../src/tokens/pkce.js';

/** RFC 7636 PKCE: verifier syntax (§4.1), S256 transformation (§4.2), server verification (§4.6). */

// RFC 7636 Appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('code_verifier syntax (RFC 7636 §4.1)', () => {
  it('accepts 43 to 128 unreserved characters', () => {
    expect(isValidCodeVerifier('a'.repeat(43))).toBe(true);
    expect(isValidCodeVerifier('a'.repeat(128))).toBe(true);
    expect(isValidCodeVerifier(`${'A-._~'.repeat(9)}zZ09`)).toBe(true);
    expect(isValidCodeVerifier(RFC_VERIFIER)).toBe(true);
  });

  it('refuses 42 and 129 characters', () => {
    expect(isValidCodeVerifier('a'.repeat(42))).toBe(false);
    expect(isValidCodeVerifier('a'.repeat(129))).toBe(false);
    expect(isValidCodeVerifier('')).toBe(false);
  });

  it('refuses characters outside the unreserved set', () => {
    for (const bad of ['+', '/', '=', ' ', '%', '\n', 'é', '*']) {
      expect(isValidCodeVerifier(`${'a'.repeat(42)}${bad}`), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('S256 challenge syntax', () => {
  it('accepts exactly 43 base64url characters', () => {
    expect(isValidS256Challenge(RFC_CHALLENGE)).toBe(true);
    expect(isValidS256Challenge('_'.repeat(43))).toBe(true);
  });

  it('refuses other lengths, padding and the standard base64 alphabet', () => {
    expect(isValidS256Challenge(RFC_CHALLENGE.slice(1))).toBe(false);
    expect(isValidS256Challenge(`${RFC_CHALLENGE}=`)).toBe(false);
    expect(isValidS256Challenge(RFC_CHALLENGE.replace('-', '+'))).toBe(false);
    expect(isValidS256Challenge(`${RFC_CHALLENGE.slice(0, 42)}/`)).toBe(false);
  });
});

describe('S256 verification (RFC 7636 §4.6)', () => {
  it('matches the RFC 7636 Appendix B example', () => {
    expect(verifyS256(RFC_VERIFIER, RFC_CHALLENGE)).toBe(true);
  });

  it('refuses a different verifier', () => {
    expect(verifyS256(`${RFC_VERIFIER.slice(0, -1)}l`, RFC_CHALLENGE)).toBe(false);
  });

  it('never treats the verifier itself as the challenge (no plain fallback)', () => {
    expect(verifyS256(RFC_VERIFIER, RFC_VERIFIER)).toBe(false);
  });

  it('refuses a challenge of the wrong length without throwing', () => {
    expect(verifyS256(RFC_VERIFIER, RFC_CHALLENGE.slice(0, 20))).toBe(false);
    expect(verifyS256(RFC_VERIFIER, '')).toBe(false);
  });
});
