import ipaddr from 'ipaddr.js';

/**
 * Which addresses the CIMD fetcher may connect to: public unicast only (CIMD-01 §6.5, -02 PR #74;
 * RFC 9728 §7.7; MCP security best practices "SSRF"). IPv6 forms that carry an IPv4 address
 * (IPv4-mapped, NAT64, 6to4, Teredo) are refused outright rather than unwrapped and trusted.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'unicast';
  // 'unicast' excludes loopback, link-local, unique-local, multicast, 6to4, teredo, rfc6052/6145 (NAT64)…
  return v6.range() === 'unicast';
}

export function isLoopbackAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return parsed.range() === 'loopback';
}

/** Whether the fetcher may connect to `address` under the configured policy. */
export function isAllowedAddress(address: string, allowLoopback: boolean): boolean {
  return isPublicAddress(address) || (allowLoopback && isLoopbackAddress(address));
}
