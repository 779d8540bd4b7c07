import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { isAllowedAddress, isPublicAddress } from '../../src/lanes/cimd/address.js';

/** Every special-purpose range (IANA registries, RFC 6890 and later) a reviewer would try. */
const IPV4_SPECIAL: [string, string][] = [
  ['this network', '0.0.0.0/8'],
  ['private', '10.0.0.0/8'],
  ['shared address space (CGNAT)', '100.64.0.0/10'],
  ['loopback', '127.0.0.0/8'],
  ['link-local (cloud metadata)', '169.254.0.0/16'],
  ['private', '172.16.0.0/12'],
  ['IETF protocol assignments', '192.0.0.0/24'],
  ['documentation TEST-NET-1', '192.0.2.0/24'],
  ['AS112-v4', '192.31.196.0/24'],
  ['AMT', '192.52.193.0/24'],
  ['6to4 relay anycast', '192.88.99.0/24'],
  ['private', '192.168.0.0/16'],
  ['AS112 direct delegation', '192.175.48.0/24'],
  ['benchmarking', '198.18.0.0/15'],
  ['documentation TEST-NET-2', '198.51.100.0/24'],
  ['documentation TEST-NET-3', '203.0.113.0/24'],
  ['multicast', '224.0.0.0/4'],
  ['reserved and broadcast', '240.0.0.0/4'],
];

const IPV6_SPECIAL: [string, string][] = [
  ['unspecified and loopback within IPv4-compatible', '::/96'],
  ['IPv4-mapped of special IPv4', '::ffff:127.0.0.0/104'],
  ['SIIT IPv4-translated', '::ffff:0:0:0/96'],
  ['NAT64 well-known', '64:ff9b::/96'],
  ['NAT64 local-use', '64:ff9b:1::/48'],
  ['discard-only', '100::/64'],
  ['IETF protocol assignments (Teredo, benchmarking, ORCHID)', '2001::/23'],
  ['documentation', '2001:db8::/32'],
  ['6to4', '2002::/16'],
  ['AS112', '2620:4f:8000::/48'],
  ['documentation', '3fff::/20'],
  ['SRv6 SIDs', '5f00::/16'],
  ['unique-local', 'fc00::/7'],
  ['site-local (deprecated)', 'fec0::/10'],
  ['link-local', 'fe80::/10'],
  ['multicast', 'ff00::/8'],
  ['unallocated outside global unicast', '4000::/3'],
];

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

/** A random address inside `cidr`, as a byte array. */
function inside(cidr: string, random: bigint): number[] {
  const [base, prefix] = ipaddr.parseCIDR(cidr);
  const bits = base.kind() === 'ipv4' ? 32 : 128;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const value = (toBigInt(base.toByteArray()) & ~hostMask) | (random & hostMask);
  return Array.from({ length: bits / 8 }, (_, i) => Number((value >> BigInt(bits - 8 - i * 8)) & 0xffn));
}

/** The textual forms an attacker (or a resolver) might present for one IPv6 address. */
function ipv6Forms(bytes: number[]): string[] {
  const address = ipaddr.fromByteArray(bytes) as ipaddr.IPv6;
  const forms = [address.toString(), address.toNormalizedString(), address.toString().toUpperCase()];
  // Mixed notation: the last 32 bits written as dotted IPv4 (how ::/96 and ::ffff:0:0/96 are spelled).
  const head = address.toNormalizedString().split(':').slice(0, 6).join(':');
  forms.push(`${head}:${bytes.slice(12).join('.')}`);
  return forms;
}

const random128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });

describe('CIMD fetcher address filter: public unicast only', () => {
  it.each(IPV4_SPECIAL)('refuses every IPv4 address in %s %s, bare and IPv4-mapped', (_name, cidr) => {
    fc.assert(
      fc.property(random128, (r) => {
        const dotted = inside(cidr, r).join('.');
        expect(isPublicAddress(dotted)).toBe(false);
        expect(isPublicAddress(`::ffff:${dotted}`)).toBe(false);
        expect(isAllowedAddress(dotted, false)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it.each(IPV6_SPECIAL)('refuses every IPv6 address in %s %s, in every spelling', (_name, cidr) => {
    fc.assert(
      fc.property(random128, (r) => {
        for (const form of ipv6Forms(inside(cidr, r))) {
          expect(isPublicAddress(form), form).toBe(false);
          expect(isAllowedAddress(form, false), form).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['IPv4-compatible loopback', '::127.0.0.1'],
    ['IPv4-compatible public address', '::8.8.8.8'],
    ['IPv4-compatible metadata address', '::a9fe:a9fe'],
    ['SIIT of a public address', '::ffff:0:8.8.8.8'],
    ['local-use NAT64 of a public address', '64:ff9b:1::808:808'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['scoped link-local', 'fe80::1%eth0'],
    ['limited broadcast', '255.255.255.255'],
  ])('refuses the %s %s', (_name, address) => {
    expect(isPublicAddress(address)).toBe(false);
    expect(isAllowedAddress(address, true)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});
