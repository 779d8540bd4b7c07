/**
 * CORS for the endpoints browser-based MCP clients call directly (metadata, JWKS, token, revocation,
 * introspection; RFC 9700 §2.6 MAY). Never with credentials, so `*` is safe; never on /authorize.
 */
const ALLOW_HEADERS = 'authorization, content-type, mcp-protocol-version';

export function corsHeaders(methods: string): Record<string, string> {
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': methods,
    'access-control-allow-headers': ALLOW_HEADERS,
    'access-control-expose-headers': 'www-authenticate',
    'access-control-max-age': '600',
  };
}

export function preflight(methods: string): Response {
  return new Response(null, { status: 204, headers: corsHeaders(methods) });
}

const memo = new Map<string, Record<string, string>>();

/** corsHeaders, computed once per method list (frozen: callers spread it into their own headers). */
export function corsHeadersFor(methods: string): Record<string, string> {
  let headers = memo.get(methods);
  if (!headers) {
    headers = Object.freeze(corsHeaders(methods)) as Record<string, string>;
    memo.set(methods, headers);
  }
  return headers;
}
