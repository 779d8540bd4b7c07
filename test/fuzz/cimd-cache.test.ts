import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshnessLifetime } from '../../src/lanes/cimd/cache.js';

/**
 * How long a fetched client metadata document is cached (RFC 9111 §4.2.1 applied to CIMD-01 §4.3),
 * as properties: total over any Cache-Control, Expires and Date a document host sends, always within
 * [minTtl, maxTtl], `no-store`/`no-cache` meaning the minimum and `max-age` winning over Expires.
 */

const policy = { minTtlMs: 30_000, maxTtlMs: 86_400_000, defaultTtlMs: 300_000 };
const NOW = Date.parse('2026-11-27T00:00:00Z');

/** Header values as a server could send them (no CR, LF or NUL, which no HTTP parser passes on). */
const headerValue = fc.string({ maxLength: 80 }).map((s) => s.replace(/[\r\n\0]/g, ' ').trim());
const directive = fc.oneof(
  fc.constantFrom(
    'public',
    'private',
    'no-store',
    'no-cache',
    'must-revalidate',
    'immutable',
    'max-age',
    'max-age=',
  ),
  fc
    .tuple(
      fc.constantFrom('max-age', 'MAX-AGE', 's-maxage', ' max-age '),
      fc.oneof(
        fc.nat().map(String),
        fc.constantFrom('-1', '1e9', '99999999999999999999999', '"600"', '0x10', '', '600, max-age=1'),
      ),
    )
    .map(([name, value]) => `${name}=${value}`),
  headerValue,
);
const cacheControl = fc.array(directive, { maxLength: 5 }).map((d) => d.join(', '));
const httpDate = fc.oneof(
  fc.date({ min: new Date(0), max: new Date('2300-01-01') }).map((d) => d.toUTCString()),
  headerValue,
);

function headersOf(entries: [string, string | undefined][]): Headers {
  const headers = new Headers();
  for (const [name, value] of entries) if (value !== undefined) headers.set(name, value);
  return headers;
}

describe('CIMD cache lifetime (properties)', () => {
  it('any Cache-Control, Expires and Date give a finite lifetime within [minTtl, maxTtl], without throwing', () => {
    fc.assert(
      fc.property(
        fc.option(cacheControl, { nil: undefined }),
        fc.option(httpDate, { nil: undefined }),
        fc.option(httpDate, { nil: undefined }),
        (cc, expires, date) => {
          const ttl = freshnessLifetime(
            headersOf([
              ['cache-control', cc],
              ['expires', expires],
              ['date', date],
            ]),
            NOW,
            policy,
          );
          expect(Number.isFinite(ttl)).toBe(true);
          expect(ttl).toBeGreaterThanOrEqual(policy.minTtlMs);
          expect(ttl).toBeLessThanOrEqual(policy.maxTtlMs);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('no-store or no-cache anywhere in Cache-Control means the minimum, whatever else is sent', () => {
    fc.assert(
      fc.property(
        cacheControl,
        fc.constantFrom('no-store', 'no-cache', 'NO-STORE'),
        cacheControl,
        fc.option(httpDate, { nil: undefined }),
        (before, bust, after, expires) => {
          const cc = [before, bust, after].filter(Boolean).join(', ');
          expect(
            freshnessLifetime(
              headersOf([
                ['cache-control', cc],
                ['expires', expires],
              ]),
              NOW,
              policy,
            ),
          ).toBe(policy.minTtlMs);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('max-age=N alone gives N seconds, clamped, and wins over Expires', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 10_000_000 }),
        fc.option(httpDate, { nil: undefined }),
        (seconds, expires) => {
          const ttl = freshnessLifetime(
            headersOf([
              ['cache-control', `public, max-age=${seconds}`],
              ['expires', expires],
            ]),
            NOW,
            policy,
          );
          expect(ttl).toBe(Math.min(policy.maxTtlMs, Math.max(policy.minTtlMs, seconds * 1000)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('several max-age directives make the document stale (the minimum), not the last one wins', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 10_000_000 }), { minLength: 2, maxLength: 4 }),
        cacheControl,
        (ages, rest) => {
          const cc = [...ages.map((a) => `max-age=${a}`), rest].filter(Boolean).join(', ');
          expect(freshnessLifetime(headersOf([['cache-control', cc]]), NOW, policy)).toBe(policy.minTtlMs);
        },
      ),
      { numRuns: 300 },
    );
  });
});
