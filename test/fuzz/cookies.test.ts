import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cookieNames, parseCookies, serializeCookie } from '../../src/http/cookies.js';

/**
 * The hosted pages' cookies as properties (RFC 6265 §4.2.1 Cookie header, §5.4; RFC 6265bis §4.1.3.2
 * `__Host-` prefix): any header parses without throwing; the first cookie of a name wins, so one sent
 * after it cannot replace it; names that only look like Gatehouse's never count as Gatehouse's.
 */

const SECURE = cookieNames(true);
const PLAIN = cookieNames(false);
const NAMES = [SECURE.session, SECURE.csrf, PLAIN.session, PLAIN.csrf];
const token = fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/);
const anyHeader = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 10 })),
        fc.string({ maxLength: 20 }),
      ),
      { maxLength: 8 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('; ')),
);

/** Names a sibling site or a script might plant that differ from Gatehouse's own. */
const lookAlike = fc
  .constantFrom(...NAMES)
  .chain((name) =>
    fc
      .constantFrom(
        name.toUpperCase(),
        name.replace('__Host-', '__host-'),
        name.replace('__Host-', '__Secure-'),
        name.replace('__Host-', ''),
        `${name}_`,
        `x${name}`,
        name.replace('_', '%5F'),
        encodeURIComponent(name).replace('-', '%2D'),
        name.replace('gatehouse', 'gatehouse\u200b'),
        `"${name}"`,
        name.slice(0, -1),
      )
      .filter((n) => !NAMES.includes(n)),
  );

describe('cookie parsing (properties)', () => {
  it('any Cookie header parses without throwing into trimmed names and values free of separators', () => {
    fc.assert(
      fc.property(anyHeader, (header) => {
        for (const [name, value] of parseCookies(header)) {
          expect(name).not.toBe('');
          expect(name).toBe(name.trim());
          expect(value).toBe(value.trim());
          expect(`${name}${value}`).not.toContain(';');
          expect(name).not.toContain('=');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the first cookie of a name wins: cookies sent after it, of any value, never replace it', () => {
    fc.assert(
      fc.property(
        anyHeader,
        fc.constantFrom(...NAMES),
        token,
        fc.array(
          fc.string({ maxLength: 30 }).filter((v) => !v.includes(';')),
          { minLength: 1, maxLength: 4 },
        ),
        (before, name, value, attacker) => {
          // The header up to the genuine cookie holds no cookie of that name.
          if (parseCookies(before).has(name)) return;
          const header = [before, `${name}=${value}`, ...attacker.map((v) => ` ${name} =${v}`)].join('; ');
          expect(parseCookies(header).get(name)).toBe(value);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a cookie whose name only looks like a Gatehouse cookie is never read as one', () => {
    fc.assert(
      fc.property(anyHeader, lookAlike, token, (header, name, value) => {
        const jar = parseCookies(`${name}=${value}; ${header}`);
        const own = parseCookies(header);
        for (const real of NAMES) expect(jar.get(real)).toBe(own.get(real));
      }),
      { numRuns: 1000 },
    );
  });

  it('on https the cookies are __Host- prefixed, Secure, HttpOnly, Path=/ and never name a Domain', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(SECURE.session, SECURE.csrf),
        token,
        fc.option(fc.nat(), { nil: undefined }),
        (name, value, maxAge) => {
          const cookie = serializeCookie(name, value, { secure: true, maxAge });
          expect(cookie.startsWith(`__Host-`)).toBe(true);
          expect(cookie.split('; ')).toEqual(
            expect.arrayContaining(['Path=/', 'Secure', 'HttpOnly', 'SameSite=Lax']),
          );
          expect(cookie.toLowerCase()).not.toContain('domain=');
          expect(parseCookies(cookie.split(';')[0]!).get(name)).toBe(value);
        },
      ),
      { numRuns: 300 },
    );
  });
});
