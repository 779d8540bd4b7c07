import type { OAuthError } from '../errors.js';

/**
 * The page CSP. `form-action` also governs the redirects that follow a form submission (Chromium
 * enforces it on every hop), so a page whose form ends in a redirect to the client lists that
 * client's verified redirect origin.
 */
export function pageCsp(formTargets: readonly string[] = []): string {
  const sources = [
    "'self'",
    ...new Set(formTargets.map(cspSource).filter((s): s is string => s !== undefined)),
  ];
  return `default-src 'none'; style-src 'self'; img-src 'self' data:; form-action ${sources.join(' ')}; frame-ancestors 'none'; base-uri 'none'`;
}

/** A CSP source for a redirect URI: its origin, or `scheme:` for a private-use scheme. */
function cspSource(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
    return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : undefined;
  } catch {
    return undefined;
  }
}

/** Headers for every HTML page: no framing (OAuth 2.1 §7.10; RFC 9700 §4.16), no referrer leaks (§4.2.4). */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': pageCsp(),
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
};

const JSON_TYPE = 'application/json; charset=utf-8';
const NO_STORE: Readonly<Record<string, string>> = { 'cache-control': 'no-store', pragma: 'no-cache' };

type JsonInit = { status?: number; headers?: Record<string, string> };

/** A JSON response; its headers are built in one object (every token response comes this way). */
function jsonWith(
  fixed: Readonly<Record<string, string>> | undefined,
  body: unknown,
  init: JsonInit,
): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'content-type': JSON_TYPE, ...fixed, ...init.headers },
  });
}

export function json(body: unknown, init: JsonInit = {}): Response {
  return jsonWith(undefined, body, init);
}

/** JSON with `Cache-Control: no-store` (OAuth 2.1 §3.2.3; RFC 7662 §2.2 responses carry credentials). */
export function jsonNoStore(body: unknown, init: JsonInit = {}): Response {
  return jsonWith(NO_STORE, body, init);
}

/** The OAuth error response body: `error` and `error_description` (OAuth 2.1 §3.2.4). */
export function oauthErrorJson(error: OAuthError, extraHeaders: Record<string, string> = {}): Response {
  return jsonNoStore(
    { error: error.error, error_description: error.description },
    { status: error.status, headers: { ...error.headers, ...extraHeaders } },
  );
}

export function html(
  body: string,
  init: { status?: number; headers?: Record<string, string>; formTargets?: readonly string[] } = {},
): Response {
  const csp: Record<string, string> = init.formTargets?.length
    ? { 'content-security-policy': pageCsp(init.formTargets) }
    : {};
  return new Response(body, {
    status: init.status ?? 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      ...PAGE_SECURITY_HEADERS,
      ...csp,
      ...init.headers,
    },
  });
}

/** A redirect. After a POST it is 303 (never 307, which would replay the credentials: OAuth 2.1 §7.5.3). */
export function redirect(
  location: string,
  status: 302 | 303 = 302,
  headers: Record<string, string> = {},
): Response {
  return new Response(null, {
    status,
    headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', ...headers },
  });
}

/** Adds headers to a response (cookies use append so several can be set). */
export function withHeaders(response: Response, headers: [string, string][]): Response {
  for (const [name, value] of headers) response.headers.append(name, value);
  return response;
}
