import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNewCredentials, isEmailAddress } from '../../src/users.js';

/**
 * The sign-up e-mail check (issue 11 part 1): the same addresses as the pattern it replaced, in linear
 * time, with the RFC 5321 §4.5.3.1.3 length cap applied first.
 */
const OLD_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Short strings over an alphabet that hits every branch: '@', '.', whitespace (ASCII and not), letters.
const nearAddress = fc
  .array(fc.constantFrom('a', 'b', '@', '.', ' ', '\t', '\u00a0', '\u2028', '-', '+', 'é'), { maxLength: 24 })
  .map((chars) => chars.join(''));

describe('isEmailAddress', () => {
  it('accepts exactly what the old pattern accepted, for every address up to 254 characters', () => {
    fc.assert(
      fc.property(fc.oneof(nearAddress, fc.emailAddress(), fc.string({ maxLength: 40 })), (value) => {
        expect(isEmailAddress(value)).toBe(value.length <= 254 && OLD_PATTERN.test(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts generated RFC 5322 addresses that fit in 254 characters', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (value) => {
        fc.pre(value.length <= 254);
        expect(isEmailAddress(value)).toBe(true);
      }),
    );
  });

  it('refuses an address of 255 characters and accepts one of 254', () => {
    const domain = '@example.com';
    expect(isEmailAddress(`${'a'.repeat(254 - domain.length)}${domain}`)).toBe(true);
    expect(isEmailAddress(`${'a'.repeat(255 - domain.length)}${domain}`)).toBe(false);
  });

  it('refuses no dot in the domain, a dot only at its edges, two @, whitespace, and empty parts', () => {
    for (const bad of ['a@b', 'a@.b', 'a@b.', '@b.c', 'a@', 'a@b@c.d', 'a b@c.d', 'a@c.d\n', ''])
      expect(isEmailAddress(bad), JSON.stringify(bad)).toBe(false);
    for (const good of ['a@b.c', 'a.b@c.d.e', 'a@b..c', "o'neil+tag@mail.example"])
      expect(isEmailAddress(good), good).toBe(true);
  });

  it('answers within 100 ms for every 60 KB value, where the old pattern took seconds', () => {
    const shapes = [
      `a@${'.'.repeat(60_000)} `,
      `a@${'a.'.repeat(30_000)}@`,
      'a@a.'.repeat(15_000),
      `${'a'.repeat(60_000)}!`,
      ' '.repeat(60_000),
    ];
    for (const value of shapes) {
      const started = performance.now();
      isEmailAddress(value);
      expect(performance.now() - started, value.slice(0, 8)).toBeLessThan(100);
    }
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '@', '.', ' '), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1_000, max: 10_000 }),
        (unit, times) => {
          const value = unit.join('').repeat(times);
          const started = performance.now();
          isEmailAddress(value);
          expect(performance.now() - started).toBeLessThan(100);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('checkNewCredentials', () => {
  it('names the problem: the address, a password under 8, or over 1024 characters', () => {
    expect(checkNewCredentials('not-an-address', 'long enough')).toBe('Enter a valid email address.');
    expect(checkNewCredentials('ada@example.com', 'short')).toMatch(/at least 8/);
    expect(checkNewCredentials('ada@example.com', 'p'.repeat(1025))).toBe('The password is too long.');
    expect(checkNewCredentials('ada@example.com', 'p'.repeat(1024))).toBeUndefined();
  });
});
