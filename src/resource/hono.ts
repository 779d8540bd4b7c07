import type { MiddlewareHandler } from 'hono';
import type { AccessToken } from './access-token.js';
import { challengeResponse } from './challenge.js';
import { corsHeaders, preflightResponse } from './cors.js';
import { resolveScopes, type ScopeRequirement } from './fetch.js';
import { type McpAuthInfo, toAuthInfo } from './mcp.js';
import type { ProtectedResource } from './protected-resource.js';

/**
 * Hono middleware: `app.use(protectedResourceMetadata(rs))` at the root, and
 * `app.use('/mcp', bearerAuth(rs, { scopes }))` on what it protects. Handlers read
 * `c.get('accessToken')` and `c.get('auth')` (the MCP SDK's AuthInfo).
 */

export interface ResourceVariables {
  accessToken: AccessToken;
  auth: McpAuthInfo;
}

export function bearerAuth(
  resource: ProtectedResource,
  options: { scopes?: ScopeRequirement<Request> } = {},
): MiddlewareHandler<{ Variables: ResourceVariables }> {
  return async (c, next) => {
    if (c.req.method === 'OPTIONS')
      return preflightResponse(undefined, c.req.header('access-control-request-headers'));
    const scopes = await resolveScopes(options.scopes, c.req.raw);
    const result = await resource.authenticate(
      {
        authorization: c.req.header('authorization'),
        url: c.req.url,
        method: c.req.method,
        dpop: c.req.header('dpop'),
      },
      scopes,
    );
    if (!result.ok) return challengeResponse(result.challenge);
    c.set('accessToken', result.token);
    c.set('auth', toAuthInfo(result.token));
    await next();
    for (const [name, value] of Object.entries({ ...corsHeaders(), ...result.headers }))
      if (!c.res.headers.has(name)) c.header(name, value);
  };
}

export function protectedResourceMetadata(resource: ProtectedResource): MiddlewareHandler {
  return async (c, next) => resource.handleMetadata(c.req.raw) ?? next();
}
