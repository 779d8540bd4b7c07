import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grantedScopes } from '../../src/grants/id-jag.js';
import { peekIssuer } from '../../src/tokens/id-jag.js';

/**
 * The ID-JAG grant's matchers as properties (src/grants/id-jag.ts, src/tokens/id-jag.ts): the granted
 * scope is exactly asserted ∩ requested ∩ the client's (MCP extension §7.2.1), never a scope the IdP did
 * not assert; the issuer peek never throws on any input.
 */

const scope: fc.Arbitrary<string> = fc.constantFrom(
  'a',
  'b',
  'c',
  'todos.read',
  'todos.write',
  'offline_access',
);
const scopes = fc.array(scope, { maxLength: 6 });

describe('grantedScopes', () => {
  it('is asserted ∩ requested (all asserted when none requested) ∩ the client scope, without duplicates', () => {
    fc.assert(
      fc.property(scopes, scopes, fc.option(scopes), (asserted, requested, own) => {
        const clientScope = own === null ? null : own.join(' ');
        const granted = grantedScopes(asserted, requested, clientScope);
        const limits = own === null ? [] : own.filter((s) => s !== 'offline_access');
        for (const s of granted) {
          expect(asserted).toContain(s);
          if (requested.length) expect(requested).toContain(s);
          if (limits.length) expect(limits).toContain(s);
        }
        expect(new Set(granted).size).toBe(granted.length);
        // Nothing that passes every limit is dropped.
        for (const s of asserted) {
          const passes =
            (requested.length === 0 || requested.includes(s)) && (limits.length === 0 || limits.includes(s));
          expect(granted.includes(s)).toBe(passes);
        }
      }),
    );
  });
});

describe('peekIssuer', () => {
  it('returns a string or undefined for any input, never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const iss = peekIssuer(s);
        expect(iss === undefined || typeof iss === 'string').toBe(true);
      }),
    );
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    fc.assert(
      fc.property(fc.jsonValue(), (payload) => {
        const iss = peekIssuer(`${b64({ alg: 'ES256' })}.${b64(payload)}.x`);
        const expected =
          typeof payload === 'object' && payload !== null && !Array.isArray(payload)
            ? (payload as Record<string, unknown>).iss
            : undefined;
        expect(iss).toBe(typeof expected === 'string' && expected !== '' ? expected : undefined);
      }),
    );
  });
});
