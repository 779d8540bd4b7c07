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

/**
 * The CORS headers of an actual (non-preflight) response. Allow-Methods, Allow-Headers and Max-Age
 * mean something only on a preflight answer (Fetch standard, CORS protocol), so they stay there.
 */
export const RESPONSE_CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'www-authenticate',
});
