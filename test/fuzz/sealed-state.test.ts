import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveKey, openState, sealState } from '../../src/tokens/crypto.js';
import { oneEditOf as edit } from './support/strings.js';

/**
 * The sealed interaction state that carries a validated authorization request through the sign-in and
 * consent pages (base64url(JSON).HMAC-SHA256), as properties: it opens to exactly what was sealed, and
 * any change to it, or any string at all that this key did not seal, opens to nothing, without throwing.
 */

const key = deriveKey('fuzz-secret-fuzz-secret-fuzz-secret-0123', 'interaction-state');
const other = deriveKey('fuzz-secret-fuzz-secret-fuzz-secret-0123', 'csrf');

describe('sealed interaction state (properties)', () => {
  it('opens to exactly the value sealed, and never under another key', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const sealed = sealState(key, value);
        expect(openState(key, sealed)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(openState(other, sealed)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('any one-character change to a sealed state opens to nothing', () => {
    const sealed = fc.jsonValue({ maxDepth: 2 }).map((v) => sealState(key, v));
    fc.assert(
      fc.property(
        sealed.chain((s) => edit(s)),
        (forged) => {
          expect(openState(key, forged)).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('any string opens to nothing without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 100 })),
        (s) => {
          expect(openState(key, s)).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
