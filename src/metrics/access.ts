import { createHash, timingSafeEqual } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { parseAddressRange } from '../config/observability.js';

/**
 * Who may read the metrics (docs/operations.md, "Metrics and alerts"). The rules, in order:
 * 1. The client address (the socket peer; X-Forwarded-For only from `trustedProxies`) must be in
 *    `metrics.allowFrom`. Unset, that is loopback only (127.0.0.0/8, ::1) when no token is configured,
 *    and any address when one is.
 * 2. Under the loopback-only default, a request that carries a forwarding header (Forwarded,
 *    X-Forwarded-For, X-Real-IP) was relayed by a proxy that is not in `trustedProxies`: its peer is the
 *    proxy, so "loopback" would let the whole internet in through it. It is refused.
 * 3. With `metrics.token`, `Authorization: Bearer <token>` (RFC 6750 §2.1) must match it. Both sides
 *    are hashed with SHA-256 and compared with timingSafeEqual, so neither the time nor the length of
 *    the comparison says anything about the token.
 */
export type MetricsRefusal = 'address' | 'proxied' | 'token';

export interface MetricsAccessPolicy {
  /** SHA-256 of the token, hex; null without a token. */
  tokenDigest: string | null;
  /** null: the default (loopback only without a token, anyone with one). */
  allowFrom: readonly string[] | null;
}

const LOOPBACK: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [
  ipaddr.parseCIDR('127.0.0.0/8'),
  ipaddr.parseCIDR('::1/128'),
];
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

export function metricsAccess(
  policy: MetricsAccessPolicy,
): (ip: string | null, headers: Headers) => MetricsRefusal | undefined {
  const ranges =
    policy.allowFrom === null
      ? policy.tokenDigest === null
        ? LOOPBACK
        : undefined
      : policy.allowFrom.map(parseRange);
  const loopbackDefault = policy.allowFrom === null && policy.tokenDigest === null;
  const expected = policy.tokenDigest === null ? null : Buffer.from(policy.tokenDigest, 'hex');
  return (ip, headers) => {
    if (ranges && !inRanges(ip, ranges)) return 'address';
    if (loopbackDefault && FORWARDING_HEADERS.some((h) => headers.has(h))) return 'proxied';
    if (expected && !tokenMatches(headers.get('authorization'), expected)) return 'token';
    return undefined;
  };
}

/** Checked at start-up (config/observability.ts): every entry parses. */
function parseRange(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return parseAddressRange(text)!;
}

function inRanges(ip: string | null, ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  if (!ip || !ipaddr.isValid(ip)) return false;
  let address = ipaddr.parse(ip);
  // ::ffff:127.0.0.1 is 127.0.0.1 (a dual-stack socket's view of an IPv4 peer).
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress())
    address = (address as ipaddr.IPv6).toIPv4Address();
  return ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

/** SHA-256 of what follows "Bearer " (scheme case-insensitive, RFC 9110 §11.1), compared in constant time. */
function tokenMatches(authorization: string | null, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const presented = createHash('sha256')
    .update(match?.[1] ?? '')
    .digest();
  return timingSafeEqual(presented, expected) && match !== null;
}
