import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BearerError, extractBearerToken } from '../../src/resource/index.js';

/**
 * Reading the bearer token in gatehouse/resource as properties (RFC 6750 §2.1 `Bearer` SP b64token,
 * scheme case-insensitive per RFC 9110 §11.1; §2.3 query tokens never read; §3.1 error codes): any
 * Authorization header and URL yield a b64token or a BearerError with an RFC 6750 code (or none, for
 * a request without credentials), never another exception.
 */

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const b64token = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'ABCxyz0189-._~+/'), minLength: 1, maxLength: 60 }),
    fc.string({ unit: fc.constant('='), maxLength: 2 }),
  )
  .map(([a, b]) => a + b);
const header = fc.oneof(
  fc.constant(null),
  fc
    .tuple(
      fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ', 'Bearer', 'Basic ', ' Bearer ', 'Bearer\t'),
      fc.oneof(b64token, fc.string({ maxLength: 40 })),
    )
    .map(([s, t]) => s + t),
  fc.string({ maxLength: 60 }),
  fc.integer({ min: 16_000, max: 17_000 }).map((n) => `Bearer ${'a'.repeat(n)}`),
);
const url = fc.oneof(
  fc.constant(undefined),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc
    .tuple(
      fc.constantFrom('/mcp?', 'https://mcp.example/mcp?a=1&', '/mcp#'),
      fc.constantFrom('access_token=x', 'access_token=', 'Access_Token=x', 'x=access_token'),
    )
    .map(([a, b]) => a + b),
);

describe('bearer token extraction (properties)', () => {
  it('any header and URL give a b64token of at most 16 KB, or a BearerError with an RFC 6750 code', () => {
    fc.assert(
      fc.property(header, url, (authorization, u) => {
        try {
          const token = extractBearerToken({ authorization, url: u });
          expect(token).toMatch(B64TOKEN);
          expect(token.length).toBeLessThanOrEqual(16_384);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(BearerError);
          expect([null, 'invalid_request', 'invalid_token']).toContain((error as BearerError).error);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a b64token sent as Bearer, in any case of the scheme, is read back exactly; in the query too, it is invalid_request', () => {
    fc.assert(
      fc.property(b64token, fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'), (token, scheme) => {
        expect(extractBearerToken({ authorization: `${scheme} ${token}`, url: '/mcp' })).toBe(token);
        expect(() =>
          extractBearerToken({
            authorization: `${scheme} ${token}`,
            url: `/mcp?access_token=${encodeURIComponent(token)}`,
          }),
        ).toThrow(expect.objectContaining({ error: 'invalid_request' }));
        // Alone in the query, a token is never read: the request carries no credentials.
        expect(() =>
          extractBearerToken({ authorization: null, url: `/mcp?access_token=${encodeURIComponent(token)}` }),
        ).toThrow(expect.objectContaining({ error: null }));
      }),
      { numRuns: 500 },
    );
  });
});
