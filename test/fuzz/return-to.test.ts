import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keepsValue } from '../../src/config/logger.js';
import type { Context } from '../../src/context.js';
import {
  MAX_LOCATION_LENGTH,
  MAX_RETURN_TO_LENGTH,
  safeReturnTo,
  signInReturningTo,
} from '../../src/interaction/return-to.js';
import { mintOpaque, type OpaqueKind } from '../../src/tokens/opaque.js';

const ctxAt = (issuerPath: string) => ({ config: { issuerPath } }) as unknown as Context;

/** Paths and queries of any length and content under (or not under) the dashboard. */
const dashboardUrl = fc
  .tuple(
    fc.constantFrom('', '/tenant'),
    fc.constantFrom('/admin', '/admin/clients', '/admin/users', '/adminx', '/other', '//evil.example/admin'),
    fc.string({ maxLength: 40 }),
    fc.oneof(fc.string({ maxLength: 200 }), fc.string({ minLength: 3000, maxLength: 40_000 })),
  )
  .map(([issuerPath, page, tail, query]) => ({
    issuerPath,
    url: new URL(`http://127.0.0.1${issuerPath}${page}${encodeURIComponent(tail)}?${query}`),
  }));

describe('the dashboard sign-in redirect (interaction/return-to.ts)', () => {
  it('is never longer than MAX_LOCATION_LENGTH, always goes to sign-in, and returns only to the dashboard', () => {
    fc.assert(
      fc.property(dashboardUrl, ({ issuerPath, url }) => {
        const ctx = ctxAt(issuerPath);
        const location = signInReturningTo(ctx, url);
        expect(location.length).toBeLessThanOrEqual(MAX_LOCATION_LENGTH);
        const prefix = `${issuerPath}/login?return_to=`;
        expect(location.startsWith(prefix)).toBe(true);
        const back = decodeURIComponent(location.slice(prefix.length));
        expect(back.length).toBeLessThanOrEqual(MAX_RETURN_TO_LENGTH);
        // What sign-in would accept is exactly what it is given.
        expect(safeReturnTo(ctx, back)).toBe(back);
        const full = `${url.pathname}${url.search}`;
        // Reflected whole only when sign-in accepts it whole; otherwise the plain page (or the dashboard).
        if (safeReturnTo(ctx, full) === full) expect(back).toBe(full);
        else expect([url.pathname, `${issuerPath}/admin`]).toContain(back);
      }),
    );
  });
});

const KINDS: readonly OpaqueKind[] = ['ghc', 'ghr', 'ghs', 'ghp', 'ghv'];

describe('fault codes kept in logs (config/logger.ts)', () => {
  it('no credential Gatehouse issues is ever kept as a fault code', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), (kind) => {
        const { value } = mintOpaque(kind);
        expect(keepsValue(value, [null, 'code'])).toBe(false);
      }),
    );
  });
});
