import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { clientIp, networkKey, rateLimitKey } from '../../src/http/client-ip.js';

/**
 * Who a request comes from, as properties (RFC 9700 §4.13: forwarding headers from anyone but a
 * trusted proxy change nothing; per-IP limits count an IPv6 client by its /64, RFC 6177 §2): any
 * X-Forwarded-For and peer give an address without throwing, and any string gives a bounded key.
 */

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('unknown', '_hidden', '[::1]:80', '1.2.3.4:5', ' , ,', '::ffff:1.2.3.4'),
);
const address = fc.oneof(fc.ipV4(), fc.ipV6(), junk);
const forwarded = fc.array(address, { maxLength: 6 }).map((hops) => hops.join(', '));

describe('client address and rate-limit keys (properties)', () => {
  it('a peer that is not a trusted proxy is the client, whatever X-Forwarded-For says', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV6()),
        fc.option(forwarded, { nil: null }),
        fc.array(fc.ipV4(), { maxLength: 3 }),
        (peer, xff, trusted) => {
          if (trusted.includes(peer)) return;
          expect(clientIp(peer, xff, trusted)).toBe(peer);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('behind a trusted proxy, the client is a hop of X-Forwarded-For that is not a trusted proxy, or the proxy', () => {
    fc.assert(
      fc.property(fc.ipV4(), forwarded, fc.array(fc.ipV4(), { maxLength: 3 }), (proxy, xff, others) => {
        const trusted = [proxy, ...others];
        const ip = clientIp(proxy, xff, trusted);
        const hops = xff.split(',').map((h) => h.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1'));
        expect(ip === proxy || (hops.includes(ip!) && !trusted.includes(ip!))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('any string gives a bounded key without throwing; every address of one IPv6 /64 gives the same key', () => {
    fc.assert(
      fc.property(
        address,
        fc.ipV6(),
        fc.array(fc.nat(0xffff), { minLength: 4, maxLength: 4 }),
        (any, v6, low) => {
          for (const key of [rateLimitKey(any), networkKey(any)]) expect(key.length).toBeLessThanOrEqual(80);
          // ipaddr.js reads a dotted tail (::a.b.c.d) as IPv4-mapped, so those key as the IPv4 address.
          if (v6.includes('.')) return;
          const parts = ipaddr.IPv6.parse(v6).parts;
          const sibling = new ipaddr.IPv6([...parts.slice(0, 4), ...low]);
          // ::ffff:0:0/96 lies inside ::/64: an IPv4-mapped address keys as its IPv4 address instead.
          if (sibling.isIPv4MappedAddress() || ipaddr.IPv6.parse(v6).isIPv4MappedAddress()) return;
          expect(rateLimitKey(sibling.toString())).toBe(rateLimitKey(v6));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an IPv4 address keys the same as itself mapped into IPv6, with or without a port', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65_535 }), (v4, port) => {
        const key = rateLimitKey(v4);
        expect(rateLimitKey(`::ffff:${v4}`)).toBe(key);
        expect(rateLimitKey(`${v4}:${port}`)).toBe(key);
        expect(networkKey(v4)).toBe(`${v4.split('.').slice(0, 3).join('.')}.0/24`);
      }),
      { numRuns: 500 },
    );
  });
});
