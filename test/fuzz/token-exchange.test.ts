import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { exchangedScope } from '../../src/grants/token-exchange.js';
import { actorDepth, MAX_ACTORS } from '../../src/grants/token-exchange-subject.js';

/**
 * Token exchange's matchers as properties (src/grants/token-exchange*.ts): the issued scope is never
 * wider than the subject token, the rule, the target and the client allow, and a request outside that
 * is invalid_scope, never a silent widening; the actor count of any `act` value is exact or "too many".
 */

const scope: fc.Arbitrary<string> = fc.constantFrom(
  'a',
  'b',
  'c',
  'd',
  'e',
  'files.read',
  'files.write',
  'openid',
);
const scopes = fc.array(scope, { maxLength: 6 });

describe('exchangedScope', () => {
  it('issues only scopes in subject ∩ rule ∩ target ∩ permitted, or refuses with invalid_scope', () => {
    fc.assert(
      fc.property(scopes, scopes, scopes, scopes, scopes, (subject, rule, target, denied, requested) => {
        const permitted = (s: string) => !denied.includes(s);
        const allowed = (s: string) =>
          subject.includes(s) && rule.includes(s) && target.includes(s) && permitted(s);
        let issued: string[];
        try {
          issued = exchangedScope({ subject, rule, target, permitted, requested });
        } catch (error) {
          expect(error).toBeInstanceOf(OAuthError);
          expect((error as OAuthError).error).toBe('invalid_scope');
          // Refused only when something requested is not allowed, or nothing at all carries over.
          expect(requested.some((s) => !allowed(s)) || !subject.some(allowed)).toBe(true);
          return;
        }
        expect(issued.length).toBeGreaterThan(0);
        expect(issued.every(allowed)).toBe(true);
        expect(new Set(issued).size).toBe(issued.length);
        if (requested.length) expect(new Set(issued)).toEqual(new Set(requested));
      }),
    );
  });
});

describe('actorDepth', () => {
  const chain = (subs: string[]): unknown =>
    subs.reduceRight<unknown>(
      (inner, sub) => (inner === undefined ? { sub } : { sub, act: inner }),
      undefined,
    );

  it('counts a well-formed chain exactly up to the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 12 }), (subs) => {
        const depth = actorDepth(chain(subs));
        if (subs.length <= MAX_ACTORS) expect(depth).toBe(subs.length);
        else expect(depth).toBeGreaterThan(MAX_ACTORS);
      }),
    );
  });

  it('treats any malformed link as too many', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(null),
          fc.integer(),
          fc.string(),
          fc.array(fc.anything()),
          fc.record({ sub: fc.integer() }),
        ),
        fc.nat({ max: 3 }),
        (bad, at) => {
          let act: unknown = bad;
          for (let i = 0; i < at; i++) act = { sub: `s${i}`, act };
          expect(actorDepth(act)).toBeGreaterThan(MAX_ACTORS);
        },
      ),
    );
  });
});
