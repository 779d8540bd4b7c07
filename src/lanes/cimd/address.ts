import ipaddr from 'ipaddr.js';

/**
 * Which addresses the CIMD fetcher may connect to: public unicast only (CIMD-01 §6.5, -02 PR #74;
 * RFC 9728 §7.7; MCP security best practices "SSRF"). Written as explicit tables from the IANA
 * special-purpose address registries (RFC 6890) rather than trusting a library's idea of "unicast":
 * - IPv4: anything in a special-purpose block is refused, including the ones IANA marks globally
 *   reachable (AS112, AMT, the old 6to4 relay anycast): nothing a client describes itself with lives
 *   there.
 * - IPv6: only global unicast (2000::/3, RFC 4291 §2.4) is considered at all, which refuses at once
 *   the unspecified and loopback addresses, IPv4-compatible ::/96, IPv4-mapped ::ffff:0:0/96, SIIT
 *   ::ffff:0:0:0/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, discard 100::/64, SRv6 5f00::/16,
 *   unique-local fc00::/7, site-local fec0::/10, link-local fe80::/10 and multicast ff00::/8; inside
 *   2000::/3 the IETF protocol block 2001::/23 (Teredo, benchmarking, ORCHID…), documentation
 *   2001:db8::/32 and 3fff::/20, 6to4 2002::/16 and AS112 2620:4f:8000::/48 are refused too. Forms
 *   that carry an IPv4 address are refused outright rather than unwrapped and trusted, except
 *   IPv4-mapped ::ffff:a.b.c.d, which the operating system connects to as a.b.c.d: it is judged by the
 *   IPv4 table.
 */

const cidrs = (list: string[]) => list.map((c) => ipaddr.parseCIDR(c));

const IPV4_SPECIAL = cidrs([
  '0.0.0.0/8', // "this network" (RFC 791)
  '10.0.0.0/8', // private (RFC 1918)
  '100.64.0.0/10', // shared address space, CGNAT (RFC 6598)
  '127.0.0.0/8', // loopback (RFC 1122)
  '169.254.0.0/16', // link-local, cloud metadata (RFC 3927)
  '172.16.0.0/12', // private (RFC 1918)
  '192.0.0.0/24', // IETF protocol assignments, DS-Lite, NAT64 discovery (RFC 6890)
  '192.0.2.0/24', // documentation TEST-NET-1 (RFC 5737)
  '192.31.196.0/24', // AS112-v4 (RFC 7535)
  '192.52.193.0/24', // AMT (RFC 7450)
  '192.88.99.0/24', // deprecated 6to4 relay anycast (RFC 7526)
  '192.168.0.0/16', // private (RFC 1918)
  '192.175.48.0/24', // AS112 direct delegation (RFC 7534)
  '198.18.0.0/15', // benchmarking (RFC 2544)
  '198.51.100.0/24', // documentation TEST-NET-2 (RFC 5737)
  '203.0.113.0/24', // documentation TEST-NET-3 (RFC 5737)
  '224.0.0.0/4', // multicast (RFC 5771)
  '240.0.0.0/4', // reserved, and 255.255.255.255 limited broadcast (RFC 1112, RFC 919)
]);

const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
const IPV6_SPECIAL = cidrs([
  '2001::/23', // IETF protocol assignments: Teredo, benchmarking, AMT, ORCHID, … (RFC 2928)
  '2001:db8::/32', // documentation (RFC 3849)
  '2002::/16', // 6to4, carries an IPv4 address (RFC 3056)
  '2620:4f:8000::/48', // AS112 (RFC 7534)
  '3fff::/20', // documentation (RFC 9637)
]);

function within(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  return ranges.some((range) => address.kind() === range[0].kind() && address.match(range));
}

function isPublicIpv4(address: ipaddr.IPv4): boolean {
  return !within(address, IPV4_SPECIAL) && address.range() === 'unicast';
}

// An IPv6 address whose last 32 bits are written as a dotted quad (RFC 4291 §2.2 form 3).
const DOTTED_TAIL = /:(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(%.*)?$/;

/**
 * Parses an address by its bytes. ipaddr.js reads any "::a.b.c.d" as IPv4-mapped (::ffff:a.b.c.d), but
 * the kernel connects to ::a.b.c.d as the IPv4-compatible address it is (and glibc prints ::/96
 * addresses in that form), so the dotted tail is rewritten as two hex groups first.
 */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  let text = address;
  const tail = address.includes(':') ? DOTTED_TAIL.exec(address) : null;
  if (tail) {
    const [a, b, c, d] = tail.slice(1, 5).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((n) => n > 255)) return undefined;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    text = `${address.slice(0, tail.index)}:${hex(a, b)}:${hex(c, d)}${tail[5] ?? ''}`;
  }
  return ipaddr.isValid(text) ? ipaddr.parse(text) : undefined;
}

export function isPublicAddress(address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  if (parsed.kind() === 'ipv4') return isPublicIpv4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return isPublicIpv4(v6.toIPv4Address());
  if (!within(v6, [IPV6_GLOBAL_UNICAST]) || within(v6, IPV6_SPECIAL)) return false;
  return v6.range() === 'unicast';
}

export function isLoopbackAddress(address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    return (parsed as ipaddr.IPv6).toIPv4Address().range() === 'loopback';
  return parsed.range() === 'loopback';
}

/** Whether the fetcher may connect to `address` under the configured policy. */
export function isAllowedAddress(address: string, allowLoopback: boolean): boolean {
  return isPublicAddress(address) || (allowLoopback && isLoopbackAddress(address));
}
