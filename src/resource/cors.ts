/**
 * CORS for a protected resource, so browser-based MCP clients (e.g. MCP Inspector, SDK v2 in a page)
 * can call it and read the `WWW-Authenticate` challenge that starts discovery. Bearer tokens travel
 * in a header, never in cookies, so `*` without credentials is safe.
 * @see MCP Authorization "Protected Resource Metadata Discovery Requirements"; RFC 9728 §3
 */

/**
 * The request headers of the Streamable HTTP transport, every protocol revision: `MCP-Protocol-Version`
 * (2025-06-18+), `Mcp-Session-Id` and `Last-Event-ID` (2025-03-26+, session and SSE resumption),
 * `Mcp-Method` and `Mcp-Name` (2026-07-28, SEP-2243 "Standard Headers"). Lower case, each once:
 * header names are case-insensitive (RFC 9110 §5.1), and Chromium sends them lower-cased.
 */
export const MCP_REQUEST_HEADERS: readonly string[] = Object.freeze([
  'mcp-protocol-version',
  'mcp-session-id',
  'mcp-method',
  'mcp-name',
  'last-event-id',
]);

export const ALLOW_HEADERS = ['authorization', 'content-type', 'dpop', ...MCP_REQUEST_HEADERS].join(', ');
/**
 * A session-based server answers `initialize` with `Mcp-Session-Id`; the page must read it back, and
 * a DPoP client the `DPoP-Nonce` of a resource that requires nonces (RFC 9449 §9).
 */
export const EXPOSE_HEADERS = 'www-authenticate, mcp-session-id, mcp-protocol-version, dpop-nonce';

/**
 * SEP-2243 "Custom Headers from Tool Parameters": a tool may have its arguments mirrored into
 * `Mcp-Param-{name}` headers, with `{name}` any token (RFC 9110 §5.6.2 tchar), so no fixed list can
 * name them. A preflight asking for such headers gets them echoed back; nothing else is echoed.
 * Anchored, one character class: linear time on any input.
 */
const PARAM_HEADER = /^mcp-param-[!#$%&'*+.^_`|~0-9a-z-]{1,100}$/;
const MAX_PARAM_HEADERS = 32;

/** The value of `Access-Control-Allow-Headers` for a preflight that asked for `requested`. */
export function allowedRequestHeaders(requested?: string | null): string {
  if (!requested) return ALLOW_HEADERS;
  const params = new Set<string>();
  for (const item of requested.split(',')) {
    if (params.size === MAX_PARAM_HEADERS) break;
    const name = item.trim().toLowerCase();
    if (PARAM_HEADER.test(name)) params.add(name);
  }
  return params.size === 0 ? ALLOW_HEADERS : `${ALLOW_HEADERS}, ${[...params].join(', ')}`;
}

export function corsHeaders(
  methods = 'GET, POST, DELETE, OPTIONS',
  allowHeaders = ALLOW_HEADERS,
  exposeHeaders = EXPOSE_HEADERS,
): Record<string, string> {
  // No credentials: `*` is safe because bearer tokens travel in a header, never in cookies.
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': methods,
    'access-control-allow-headers': allowHeaders,
    'access-control-expose-headers': exposeHeaders,
    'access-control-max-age': '600',
  };
}

/**
 * The headers of a preflight answer. `requestedHeaders` is the preflight's
 * `Access-Control-Request-Headers`; the answer depends on it (see `allowedRequestHeaders`), hence `Vary`.
 */
export function preflightHeaders(methods?: string, requestedHeaders?: string | null): Record<string, string> {
  return {
    ...corsHeaders(methods),
    'access-control-allow-headers': allowedRequestHeaders(requestedHeaders),
    vary: 'access-control-request-headers',
  };
}

/** The answer to a CORS preflight (`OPTIONS`); preflights carry no credentials, so none are checked. */
export function preflightResponse(methods?: string, requestedHeaders?: string | null): Response {
  return new Response(null, { status: 204, headers: preflightHeaders(methods, requestedHeaders) });
}
