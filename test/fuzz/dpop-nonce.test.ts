import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDpopNonces } from '../../src/resource/dpop-nonce.js';
import { ResourceConfigError } from '../../src/resource/errors.js';
import { resolveResourceOptions } from '../../src/resource/options.js';

/**
 * The resource server's DPoP nonce check (RFC 9449 §9) is a parser of client input: it never throws,
 * accepts only what it minted in the current or previous window, and refuses every alteration.
 */

const SECRET = new TextEncoder().encode('fuzz nonce secret of at least thirty-two characters');
const RESOURCE = 'https://mcp.example.com/mcp';

describe('DPoP nonces at a resource (property tests)', () => {
  it('never throws and never accepts an arbitrary string', async () => {
    const nonces = createDpopNonces(SECRET, RESOURCE, 60, Date.now);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (value) => {
        expect(await nonces.isCurrent(value)).toBe(false);
      }),
    );
  });

  it('accepts its own nonce for two windows and refuses any one-character change of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.nat(),
        fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.'),
        async (start, position, replacement) => {
          let now = start;
          const nonces = createDpopNonces(SECRET, RESOURCE, 60, () => now);
          const nonce = await nonces.current();
          const i = position % nonce.length;
          const altered = nonce.slice(0, i) + replacement + nonce.slice(i + 1);
          if (altered !== nonce) expect(await nonces.isCurrent(altered)).toBe(false);
          now += 60_000;
          expect(await nonces.isCurrent(nonce)).toBe(true);
          now += 60_000;
          expect(await nonces.isCurrent(nonce)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('dpop.nonce options: true, or a secret of 32+ characters and a lifetime of 10 s to a day', () => {
    const resolve = (nonce: unknown) =>
      resolveResourceOptions({
        issuer: 'https://as.example.com',
        resource: RESOURCE,
        dpop: { nonce } as never,
      }).dpop.nonce;
    expect(resolve(undefined)).toBeNull();
    expect(resolve(true)?.lifetime).toBe(300);
    expect(resolve({ secret: 'x'.repeat(32), lifetime: 30 })?.lifetime).toBe(30);
    for (const bad of [
      { secret: 'short' },
      { secret: 'x'.repeat(32), lifetime: 5 },
      'yes',
      { lifetime: 60 },
    ]) {
      expect(() => resolve(bad)).toThrow(ResourceConfigError);
    }
  });
});
