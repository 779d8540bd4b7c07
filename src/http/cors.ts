import { MCP_REQUEST_HEADERS, corsHeaders as resourceCorsHeaders } from '../resource/cors.js';

/**
 * CORS for the endpoints browser-based MCP clients call directly (metadata, JWKS, token, revocation,
 * introspection, registration; RFC 9700 §2.6 MAY). Never with credentials, so `*` is safe; never on
 * /authorize or the hosted pages (OAuth 2.1 §3.1: the user agent navigates there, no script reads them).
 *
 * A fixed list, cacheable by the browser for Max-Age: the headers of an OAuth request plus the MCP
 * transport headers of every protocol revision (resource/cors.ts), which clients whose fetch adds
 * them to every request (e.g. the SDK's `MCP-Protocol-Version` on discovery) send here too.
 */
const ALLOW_HEADERS = ['authorization', 'content-type', 'dpop', ...MCP_REQUEST_HEADERS].join(', ');
/** `WWW-Authenticate` of a 401 invalid_client (RFC 6749 §5.2); `Retry-After` of a 429; RFC 9449 §8 `DPoP-Nonce`. */
const EXPOSE_HEADERS = 'www-authenticate, retry-after, dpop-nonce';

export function corsHeaders(methods: string): Record<string, string> {
  return resourceCorsHeaders(methods, ALLOW_HEADERS, EXPOSE_HEADERS);
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
  'access-control-expose-headers': EXPOSE_HEADERS,
});
