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
  const normalise = (ip: string) => ip.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  if (!peer) return null;
  const direct = normalise(peer);
  if (!forwardedFor || !trustedProxies.includes(direct)) return direct;
  const hops = forwardedFor.split(',').map(normalise).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trustedProxies.includes(hops[i]!)) return hops[i]!;
  }
  return direct;
}
