/**
 * What the router does around routes anyone can call without credentials (`anonymous` routes: the
 * sign-in interaction, /authorize, /register) and the credential endpoints (`guarded`): refused
 * requests are counted per client network (./rejection-throttle.ts) and audited within the flood
 * bounds (src/audit/flood.ts). RFC 9700 §4.13 (rate limits keyed on the real client address); the
 * storage bound is Gatehouse's own rule (docs/configuration.md, "Storage bounds").
 */
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { rateLimitKey } from './client-ip.js';

/** 429 for a network over its refusal budget: no handler runs, nothing is written per request. */
export function throttledRefusal(ctx: Context, req: RequestInfo): OAuthError | undefined {
  const wait = ctx.rejections.blockedFor(rateLimitKey(req.ip));
  if (wait === 0) return undefined;
  ctx.metrics.throttled('refused_requests');
  return new OAuthError(
    'rate_limited',
    'Too many refused requests came from your network. Try again later.',
    {
      headers: { 'retry-after': String(wait) },
    },
  );
}

/** Counts a refused anonymous request (any 4xx the handler answered) against its network. */
export async function countRefusal(ctx: Context, req: RequestInfo, status: number): Promise<void> {
  if (status < 400 || status >= 500) return;
  try {
    await ctx.rejections.reject(rateLimitKey(req.ip));
  } catch (error) {
    ctx.log.error({ err: error }, 'refusal not counted');
  }
}

/** A credential endpoint refused a code, token or client credentials: audited within the flood bounds. */
export function auditCredentialFailure(ctx: Context, req: RequestInfo, error: OAuthError): Promise<void> {
  return ctx.auditAnonymous(
    {
      type: 'credentials.rejected',
      detail: { endpoint: req.url.pathname, error: error.error, reason: error.description },
    },
    req,
  );
}
