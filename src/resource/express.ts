import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessToken } from './access-token.js';
import { corsHeaders, preflightHeaders } from './cors.js';
import { resolveScopes, type ScopeRequirement } from './fetch.js';
import { type McpAuthInfo, toAuthInfo } from './mcp.js';
import type { ProtectedResource } from './protected-resource.js';

/**
 * Express (and plain node:http / connect) middleware. Typed on node's own request and response, so it
 * needs no Express import and runs under `http.createServer` too. On success the request gains
 * `accessToken` and `auth`, the MCP SDK's `AuthInfo`, which `StreamableHTTPServerTransport` reads.
 */

export type AuthenticatedRequest = IncomingMessage & {
  originalUrl?: string;
  body?: unknown;
  accessToken?: AccessToken;
  auth?: McpAuthInfo;
};
type Next = (error?: unknown) => void;

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | null,
): void {
  res.writeHead(status, headers);
  res.end(body ?? undefined);
}

/**
 * Requires a valid bearer token with `scopes` (a list, or computed from the request, e.g. from the
 * JSON-RPC body parsed by `express.json()`). Answers CORS preflights itself.
 */
export function requireBearerAuth(
  resource: ProtectedResource,
  options: { scopes?: ScopeRequirement<AuthenticatedRequest> } = {},
): (req: AuthenticatedRequest, res: ServerResponse, next: Next) => void {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') {
      const requested = req.headers['access-control-request-headers'];
      return send(res, 204, preflightHeaders(undefined, requested), null);
    }
    const run = async () => {
      const scopes = await resolveScopes(options.scopes, req);
      const result = await resource.authenticate(
        {
          authorization: req.headers.authorization,
          url: req.originalUrl ?? req.url,
          method: req.method,
          dpop: req.headers.dpop,
        },
        scopes,
      );
      if (!result.ok)
        return send(res, result.challenge.status, result.challenge.headers, result.challenge.body);
      req.accessToken = result.token;
      req.auth = toAuthInfo(result.token);
      for (const [name, value] of Object.entries({ ...corsHeaders(), ...result.headers }))
        res.setHeader(name, value);
      next();
    };
    run().catch(next);
  };
}

/** Serves the RFC 9728 metadata routes; mount it at the application root (`app.use(...)`). */
export function protectedResourceMetadata(
  resource: ProtectedResource,
): (req: AuthenticatedRequest, res: ServerResponse, next: Next) => void {
  return (req, res, next) => {
    const url = req.originalUrl ?? req.url ?? '/';
    const query = url.indexOf('?');
    const response = resource.metadataResponse(req.method ?? 'GET', query === -1 ? url : url.slice(0, query));
    if (!response) return next();
    response
      .text()
      .then((body) => send(res, response.status, Object.fromEntries(response.headers), body || null))
      .catch(next);
  };
}
