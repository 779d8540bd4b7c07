import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { html, oauthErrorJson } from '../http/respond.js';
import { renderError } from '../pages/error.js';
import { isDatabaseUnavailable, outageCode } from '../store/availability.js';
import { pageFrame } from './pages-common.js';

const DESCRIPTION = 'The service is temporarily unavailable. Try again in a moment.';

/**
 * The answer to a request that failed because the database is unavailable (store/availability.ts
 * decides which errors those are), or undefined for any other error. 503 with `Retry-After`
 * (`databaseRetryAfter`): OAuth/JSON endpoints answer `{"error":"temporarily_unavailable",…}` (the
 * code OAuth 2.1 §4.1.2.1 / RFC 6749 §4.1.2.1 defines; RFC 6749 §5.2 defines no token-endpoint code
 * for it, and a 503 with this body is what clients and proxies treat as "retry later", RFC 9110
 * §15.6.4), browser pages a page that says so, with no stack, SQL or driver message. The log line
 * keeps the driver's code (`SQLITE_FULL`, `57P01`, `ECONNREFUSED`: config/logger.ts).
 *
 * /authorize gets the page too, never a redirect with error=temporarily_unavailable: with the
 * database down the client and its redirect URI cannot be verified (or re-verified), and an error is
 * only redirected to a verified redirect URI (OAuth 2.1 §4.1.2.1; RFC 9700 §4.11.2). One answer for
 * every outage, before or after the redirect URI was checked, also keeps the behaviour predictable.
 */
export function databaseOutageResponse(
  ctx: Context,
  kind: 'api' | 'page',
  error: unknown,
  req: RequestInfo,
): Response | undefined {
  if (!isDatabaseUnavailable(error)) return undefined;
  ctx.log.error(
    { err: error, fault: outageCode(error), path: req.url.pathname, method: req.request.method },
    'database unavailable',
  );
  const headers = { 'retry-after': String(ctx.config.databaseRetryAfter) };
  if (kind === 'api') {
    const refusal = new OAuthError('temporarily_unavailable', DESCRIPTION, { headers });
    return oauthErrorJson(refusal, req.cors);
  }
  return html(
    renderError({
      basePath: ctx.config.issuerPath,
      frame: pageFrame(ctx),
      title: 'Temporarily unavailable',
      message: DESCRIPTION,
      code: 'temporarily_unavailable',
    }),
    { status: 503, headers },
  );
}
