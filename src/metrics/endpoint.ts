import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { type MetricsAccessPolicy, metricsAccess } from './access.js';

/**
 * GET {origin}{metrics.path} (DESIGN §4): the Prometheus text exposition, to the addresses and the
 * token ./access.ts lets in. A refusal costs no database access and no rendering; a burst of scrapes
 * shares one rendering (./prometheus.ts), so the endpoint amplifies nothing.
 */
export function scraper(
  policy: MetricsAccessPolicy,
  render: () => Promise<{ text: string; contentType: string }>,
): (req: RequestInfo) => Promise<Response> {
  const refusal = metricsAccess(policy);
  return async (req) => {
    const refused = refusal(req.ip, req.request.headers);
    if (refused === 'token') {
      // RFC 6750 §3: the challenge names the scheme; no error code for a request without a token.
      throw new OAuthError('invalid_token', 'a valid bearer token is required for the metrics', {
        headers: { 'www-authenticate': 'Bearer realm="gatehouse-metrics"' },
      });
    }
    if (refused) {
      throw new OAuthError(
        'forbidden',
        refused === 'proxied'
          ? 'the metrics are not served through a proxy unless metrics.allowFrom or metrics.token is set'
          : 'the metrics are not served to this address',
      );
    }
    const { text, contentType } = await render();
    return new Response(text, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
  };
}

/** The route's handler: what ctx.metrics.scrape answers (the route exists only with metrics enabled). */
export function handleMetrics(ctx: Context, req: RequestInfo): Promise<Response> {
  if (!ctx.metrics.scrape) throw new OAuthError('not_found', 'no such endpoint');
  return ctx.metrics.scrape(req);
}
