import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { parseAuditQuery, parseClientQuery } from '../../src/operations/queries.js';

/**
 * The admin listings' query strings (docs/admin-api.md) as properties: any query string yields a
 * query the store can bind on every database (integers within a BIGINT, known enumerations, bounded
 * text) or an invalid_request OAuthError, never another exception. Found by the HTTP fuzz suite: digit
 * runs past 2^53 reached PostgreSQL as 1e+23 and failed there with a 500.
 */

const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.nat().map(String),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15) })
    .map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
  fc.constantFrom(
    '1e3',
    '-1',
    '0',
    '1.5',
    'NaN',
    'Infinity',
    '2026-02-30',
    '2026-11-27',
    '2026-11-27T10:00',
    '+275760-09-13T00:00:00.000Z',
    'active',
    'disabled',
    'cimd',
    'dcr',
    'preregistered',
    ' dcr ',
  ),
);
const NAMES = [
  'limit',
  'source',
  'status',
  'q',
  'resource',
  'after',
  'type',
  'client_id',
  'user_id',
  'since',
  'until',
  'before',
];
const queryString = fc
  .array(fc.tuple(fc.constantFrom(...NAMES), value), { maxLength: 6 })
  .map((pairs) => new URLSearchParams(pairs));

/** Runs `parse`; a refusal must be invalid_request. Answers the query, or undefined when refused. */
function attempt<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).error).toBe('invalid_request');
    return undefined;
  }
}

describe('admin listing queries (properties)', () => {
  it('a client listing query is refused with invalid_request or has a bounded limit, a known source and status, short text', () => {
    fc.assert(
      fc.property(queryString, (q) => {
        const query = attempt(() => parseClientQuery(q));
        if (!query) return;
        expect(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= 500).toBe(true);
        if (query.source !== undefined) expect(['preregistered', 'cimd', 'dcr']).toContain(query.source);
        if (query.status !== undefined) expect(['active', 'disabled']).toContain(query.status);
        if (query.text !== undefined) expect(query.text.length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 1000 },
    );
  });

  it('an audit query is refused with invalid_request or has a bounded limit and times and ids a BIGINT holds', () => {
    fc.assert(
      fc.property(queryString, (q) => {
        const query = attempt(() => parseAuditQuery(q));
        if (!query) return;
        expect(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= 1000).toBe(true);
        for (const n of [query.since, query.until, query.before])
          if (n !== undefined) expect(Number.isSafeInteger(n), String(n)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
