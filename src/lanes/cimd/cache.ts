/**
 * HTTP caching of client metadata documents (RFC 9111, applied to CIMD-01 §4.3): Cache-Control
 * max-age, Expires against Date, a heuristic default otherwise, all clamped to [minTtl, maxTtl] so a
 * document can neither force a fetch on every request nor pin itself for years (checklist §4 attack 24).
 * `no-store`, `no-cache` and `max-age=0` mean the minimum TTL. Failures are never cached.
 */
export interface CachePolicy {
  minTtlMs: number;
  maxTtlMs: number;
  defaultTtlMs: number;
}

export function freshnessLifetime(headers: Headers, now: number, policy: CachePolicy): number {
  const clamp = (ms: number) => Math.min(policy.maxTtlMs, Math.max(policy.minTtlMs, ms));
  const cacheControl = (headers.get('cache-control') ?? '').toLowerCase();
  const list = cacheControl
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => {
      const [name, value] = d.split('=');
      return [name!.trim(), value?.trim().replace(/^"|"$/g, '')] as const;
    });
  const directives = new Map(list);
  if (directives.has('no-store') || directives.has('no-cache')) return policy.minTtlMs;
  // RFC 9111 §4.2.1: with several max-age directives the response may be considered stale.
  if (list.filter(([name]) => name === 'max-age').length > 1) return policy.minTtlMs;
  const maxAge = directives.get('max-age');
  if (maxAge !== undefined && /^\d+$/.test(maxAge)) return clamp(Number(maxAge) * 1000);
  const expires = headers.get('expires');
  if (expires) {
    const at = Date.parse(expires);
    if (Number.isNaN(at)) return policy.minTtlMs;
    const date = Date.parse(headers.get('date') ?? '');
    return clamp(at - (Number.isNaN(date) ? now : date));
  }
  return clamp(policy.defaultTtlMs);
}
