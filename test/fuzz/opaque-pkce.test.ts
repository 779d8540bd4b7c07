import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/tokens/crypto.js';
import { matchesSecret, mintOpaque, type OpaqueKind, parseOpaque } from '../../src/tokens/opaque.js';
import {
  isValidCodeVerifier,
  isValidS256Challenge,
  s256Challenge,
  verifyS256,
} from '../../src/tokens/pkce.js';
import { oneEditOf as edit } from './support/strings.js';

/**
 * Opaque credentials (`prefix_id.secret`; lookup by id, constant-time check of the secret's hash) and
 * PKCE (RFC 7636 §4.1, §4.2, §4.6) as properties: what is minted parses back, and any change to a
 * credential or a verifier fails closed. The example-based cases are in test/unit/opaque.test.ts and
 * test/unit/pkce.test.ts.
 */

const KINDS: OpaqueKind[] = ['ghc', 'ghr', 'ghs', 'ghp'];
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64 = (length: number) =>
  fc.string({ unit: fc.constantFrom(...B64URL), minLength: length, maxLength: length });

describe('opaque credentials (properties)', () => {
  it('parse(format(id, secret)) gives back the id and secret, and only for its own kind', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.constantFrom(...KINDS),
        b64(22),
        b64(43),
        (kind, other, id, secret) => {
          const value = `${kind}_${id}.${secret}`;
          expect(parseOpaque(kind, value)).toEqual({ id, secret });
          if (other !== kind) expect(parseOpaque(other, value)).toBeUndefined();
          expect(matchesSecret({ id, secret }, hashSecret(secret))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('any one-character change to a minted credential fails closed: unparseable, another id, or a secret that does not match', () => {
    const minted = fc.constantFrom(...KINDS).map((kind) => ({ kind, credential: mintOpaque(kind) }));
    fc.assert(
      fc.property(
        minted.chain((m) => fc.tuple(fc.constant(m), edit(m.credential.value))),
        ([{ kind, credential }, forged]) => {
          const parsed = parseOpaque(kind, forged);
          if (parsed === undefined) return;
          // Still well-formed: either it names another row, or its secret fails the constant-time check.
          expect(parsed.id !== credential.id || !matchesSecret(parsed, credential.secretHash)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('any string that is not exactly prefix_22.43 in base64url is refused without throwing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 300 })),
        (kind, value) => {
          const parsed = parseOpaque(kind, value);
          if (parsed) expect(value).toMatch(new RegExp(`^${kind}_[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}$`));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('PKCE (properties)', () => {
  const verifier = fc.string({ unit: fc.constantFrom(...`${B64URL}.~`), minLength: 43, maxLength: 128 });

  it('every valid verifier verifies against its S256 challenge, which is a valid challenge', () => {
    fc.assert(
      fc.property(verifier, (v) => {
        expect(isValidCodeVerifier(v)).toBe(true);
        const challenge = s256Challenge(v);
        expect(isValidS256Challenge(challenge)).toBe(true);
        expect(verifyS256(v, challenge)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('any change to the verifier or the challenge fails, and the verifier is never its own challenge', () => {
    fc.assert(
      fc.property(
        verifier.chain((v) => fc.tuple(fc.constant(v), edit(v), edit(s256Challenge(v)))),
        ([v, otherVerifier, otherChallenge]) => {
          const challenge = s256Challenge(v);
          expect(verifyS256(otherVerifier, challenge)).toBe(false);
          expect(verifyS256(v, otherChallenge)).toBe(false);
          expect(verifyS256(v, v)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a verifier check accepts exactly 43-128 unreserved characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 140 }), (v) => {
        expect(isValidCodeVerifier(v)).toBe(/^[A-Za-z0-9\-._~]{43,128}$/.test(v));
      }),
      { numRuns: 1000 },
    );
  });
});
