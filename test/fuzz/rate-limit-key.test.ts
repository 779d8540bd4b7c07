import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkKey, rateLimitKey } from '../../src/http/client-ip.js';

/**
 * The identity every per-IP limit counts under (src/http/client-ip.ts): IPv4 as itself, IPv6 by /64
 * (RFC 6177 §2: a subscriber gets at least a /64, and RFC 8981 lets a host use any address in it),
 * IPv4-mapped IPv6 as the IPv4 address it carries.
 */

const group = fc.integer({ min: 0, max: 0xffff });
const groups = fc.array(group, { minLength: 8, maxLength: 8 });
const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });

/** Some of the textual forms of one IPv6 address: full, leading zeros, upper case, "::" compressed. */
function spell(parts: number[], style: number): string {
  const hex = parts.map((p) => p.toString(16));
  if (style === 0) return hex.join(':');
  if (style === 1) return parts.map((p) => p.toString(16).padStart(4, '0')).join(':');
  if (style === 2) return hex.join(':').toUpperCase();
  // Compress the longest run of zero groups (if any), as RFC 5952 §4.2 does.
  let best = [-1, 0];
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > best[1]!) best = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best[1]! < 2) return hex.join(':');
  return `${hex.slice(0, best[0]).join(':')}::${hex.slice(best[0]! + best[1]!).join(':')}`;
}

const isMapped = (parts: number[]) => parts.slice(0, 5).every((p) => p === 0) && parts[5] === 0xffff;

describe('per-IP rate-limit keys', () => {
  it('an IPv4 address is its own key, and distinct IPv4 addresses never share one', () => {
    fc.assert(
      fc.property(octets, octets, (a, b) => {
        expect(rateLimitKey(a.join('.'))).toBe(a.join('.'));
        if (a.join('.') !== b.join('.'))
          expect(rateLimitKey(a.join('.'))).not.toBe(rateLimitKey(b.join('.')));
      }),
    );
  });

  it('IPv6 addresses in one /64 share a key, whatever their interface identifier and spelling', () => {
    fc.assert(
      fc.property(groups, groups, fc.nat(3), fc.nat(3), (a, b, styleA, styleB) => {
        fc.pre(!isMapped(a));
        const sibling = [...a.slice(0, 4), ...b.slice(4)];
        expect(rateLimitKey(spell(a, styleA))).toBe(rateLimitKey(spell(sibling, styleB)));
      }),
    );
  });

  it('IPv6 addresses in different /64s never share a key', () => {
    fc.assert(
      fc.property(groups, groups, (a, b) => {
        fc.pre(a.slice(0, 4).join() !== b.slice(0, 4).join() && !isMapped(a) && !isMapped(b));
        expect(rateLimitKey(spell(a, 3))).not.toBe(rateLimitKey(spell(b, 3)));
      }),
    );
  });

  it('an IPv4-mapped IPv6 address counts as the IPv4 address it carries, in either spelling', () => {
    fc.assert(
      fc.property(octets, (o) => {
        const v4 = o.join('.');
        const hex = `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
        expect(rateLimitKey(`::ffff:${v4}`)).toBe(v4);
        expect(rateLimitKey(`::FFFF:${hex}`)).toBe(v4);
        expect(networkKey(`::ffff:${v4}`)).toBe(networkKey(v4));
      }),
    );
  });

  it('no IPv6 key equals an IPv4 key, and garbage never collides with an address', () => {
    fc.assert(
      fc.property(groups, octets, fc.string({ maxLength: 80 }), (g, o, junk) => {
        fc.pre(!isMapped(g));
        expect(rateLimitKey(spell(g, 0))).not.toBe(rateLimitKey(o.join('.')));
        const key = rateLimitKey(junk);
        expect(key.length).toBeLessThanOrEqual(70);
        if (key.startsWith('other:')) {
          expect(key).not.toBe(rateLimitKey(o.join('.')));
          expect(key).not.toBe(rateLimitKey(spell(g, 0)));
        }
      }),
    );
  });

  it('the sign-in network of an IPv4 address is its /24; of an IPv6 address its /64', () => {
    fc.assert(
      fc.property(octets, fc.integer({ min: 0, max: 255 }), groups, (o, last, g) => {
        fc.pre(!isMapped(g));
        expect(networkKey(o.join('.'))).toBe(networkKey([...o.slice(0, 3), last].join('.')));
        expect(networkKey(o.join('.'))).toBe(`${o.slice(0, 3).join('.')}.0/24`);
        expect(networkKey(spell(g, 1))).toBe(rateLimitKey(spell(g, 2)));
      }),
    );
    expect(networkKey('203.0.113.9')).not.toBe(networkKey('203.0.114.9'));
  });

  it('examples: zone identifiers and ports are ignored, a missing address is "unknown"', () => {
    expect(rateLimitKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('fe80::1%eth0')).toBe('fe80::/64');
    expect(rateLimitKey(null)).toBe('unknown');
    expect(rateLimitKey('0x7f.0.0.1')).toBe('other:0x7f.0.0.1');
    // A port some proxies append to X-Forwarded-For does not make a new client.
    expect(rateLimitKey('192.0.2.1:5678')).toBe('192.0.2.1');
    expect(rateLimitKey('[2001:db8:1:2::9]:443')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('[2001:db8:1:2::9]')).toBe('2001:db8:1:2::/64');
  });
});
