import ipaddr from 'ipaddr.js';

/**
 * The client's IP address. X-Forwarded-For is believed only when the direct peer is a configured proxy,
 * and then the right-most address that is not itself a trusted proxy is taken (RFC 9700 §4.13: spoofed
 * forwarding headers must not change rate-limit identity).
 */
export function clientIp(
  peer: string | null,
  forwardedFor: string | null,
  trustedProxies: readonly string[],
): string | null {
  if (!peer) return null;
  const direct = normalise(peer);
  if (!forwardedFor || !trustedProxies.includes(direct)) return direct;
  const hops = forwardedFor.split(',').map(normalise).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trustedProxies.includes(hops[i]!)) return hops[i]!;
  }
  return direct;
}

/** An address as written, without surrounding space or the ::ffff: of an IPv4-mapped IPv6 socket. */
function normalise(ip: string): string {
  const trimmed = ip.trim();
  return trimmed.startsWith('::ffff:') ? trimmed.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1') : trimmed;
}

/**
 * The identity every per-IP limit counts under: an IPv4 address as itself, an IPv6 address by its /64
 * (one subscriber's allocation: RFC 6177 §2, RFC 7421 §1; a host picks any address in it, RFC 8981),
 * an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it carries; a port a proxy appended
 * is ignored. Anything that is not an IP address (a proxy's "unknown", an obfuscated RFC 7239 node) is
 * kept as one bounded opaque key.
 */
export function rateLimitKey(ip: string | null): string {
  return keyOf(ip, 32);
}

/**
 * The network an address belongs to for per-account sign-in counting: IPv4 by /24, IPv6 by /64.
 * Coarser than `rateLimitKey`, so an attacker gains nothing by rotating addresses within a network.
 */
export function networkKey(ip: string | null): string {
  return keyOf(ip, 24);
}

// A dotted quad as ipaddr.js's four-part decimal form writes it (no leading zeros, each part ≤ 255): the
// form of nearly every peer address, which keyOf would give back unchanged as its /32 key.
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function keyOf(ip: string | null, v4Prefix: 24 | 32): string {
  if (!ip) return 'unknown';
  if (v4Prefix === 32 && CANONICAL_IPV4.test(ip)) return ip;
  // Some proxies write "192.0.2.1:5678" or "[2001:db8::1]:5678": the port must not make a new client.
  const text = ip
    .trim()
    .replace(/^\[([^\]]+)\](?::\d+)?$/, '$1')
    .replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) parsed = ipaddr.IPv4.parse(text);
  else if (text.includes(':') && ipaddr.IPv6.isValid(text)) parsed = ipaddr.IPv6.parse(text);
  else return `other:${text.slice(0, 64)}`;
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === 'ipv4') {
    const o = (parsed as ipaddr.IPv4).octets;
    return v4Prefix === 32 ? o.join('.') : `${o[0]}.${o[1]}.${o[2]}.0/24`;
  }
  const prefix = new ipaddr.IPv6([...(parsed as ipaddr.IPv6).parts.slice(0, 4), 0, 0, 0, 0]);
  return `${prefix.toRFC5952String()}/64`;
}
