/**
 * CORS for a protected resource, so browser-based MCP clients (e.g. MCP Inspector) can read the
 * metadata and, above all, the `WWW-Authenticate` challenge that starts discovery. Bearer tokens
 * travel in a header, never in cookies, so `*` without credentials is safe.
 * @see MCP Authorization "Protected Resource Metadata Discovery Requirements"; RFC 9728 §3
 */
export const ALLOW_HEADERS =
  'authorization, content-type, mcp-protocol-version, mcp-session-id, last-event-id';
export const EXPOSE_HEADERS = 'www-authenticate, mcp-session-id, mcp-protocol-version';

export function corsHeaders(methods = 'GET, POST, DELETE, OPTIONS'): Record<string, string> {
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': methods,
    'access-control-allow-headers': ALLOW_HEADERS,
    'access-control-expose-headers': EXPOSE_HEADERS,
    'access-control-max-age': '600',
  };
}

/** The answer to a CORS preflight (`OPTIONS`); preflights carry no credentials, so none are checked. */
export function preflightResponse(methods?: string): Response {
  return new Response(null, { status: 204, headers: corsHeaders(methods) });
}
