import type { AccessToken } from './access-token.js';
import { challengeResponse } from './challenge.js';
import { metadataOrPreflight, withCors } from './fetch.js';
import type { ProtectedResource } from './protected-resource.js';

/**
 * Helpers for servers built on the official MCP TypeScript SDK: the `AuthInfo` its streamable HTTP
 * transport accepts (as `req.auth`, or `authInfo` of the web-standard transport) and reaches tool
 * handlers as `extra.authInfo`, and per-operation scopes read from the JSON-RPC body, so that a tool
 * needing a scope the token lacks is refused with HTTP 403 insufficient_scope before it runs: the
 * signal that starts a client's step-up flow (MCP "Scope Challenge Handling"), which a tool error
 * would not.
 */

/** Structurally the SDK's `AuthInfo` (`@modelcontextprotocol/sdk/server/auth/types.js`). */
export interface McpAuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  resource?: URL;
  extra?: Record<string, unknown>;
}

export function toAuthInfo(token: AccessToken): McpAuthInfo {
  return {
    token: token.token,
    clientId: token.clientId,
    scopes: token.scopes,
    expiresAt: token.expiresAt,
    resource: new URL(token.resource),
    // `resource` above is a URL object (an origin-only identifier gains a "/"); the exact string is here.
    extra: { sub: token.subject, iss: token.issuer, resource: token.resource, claims: token.claims },
  };
}

/** Which scopes each MCP operation needs. Scopes of a tool or method add to `default`. */
export interface McpScopePolicy {
  /** Scopes every request needs (initialize, tools/list, notifications…). @default [] */
  default?: readonly string[];
  /** Per tool, for `tools/call`: `{ add_todo: ['todos.write'] }`. */
  tools?: Readonly<Record<string, readonly string[]>>;
  /** Per JSON-RPC method: `{ 'resources/read': ['files.read'] }`. */
  methods?: Readonly<Record<string, readonly string[]>>;
}

function scopesForMessage(message: unknown, policy: McpScopePolicy): readonly string[] {
  if (typeof message !== 'object' || message === null) return [];
  const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
  if (typeof method !== 'string') return [];
  if (
    method === 'tools/call' &&
    typeof params?.name === 'string' &&
    policy.tools &&
    Object.hasOwn(policy.tools, params.name)
  ) {
    return policy.tools[params.name]!;
  }
  return policy.methods && Object.hasOwn(policy.methods, method) ? policy.methods[method]! : [];
}

/** Every scope a JSON-RPC message, or batch, needs under `policy`. */
export function mcpRequiredScopes(body: unknown, policy: McpScopePolicy): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return [...new Set([...(policy.default ?? []), ...messages.flatMap((m) => scopesForMessage(m, policy))])];
}

/**
 * A web-standard MCP endpoint behind bearer authentication, for the SDK's
 * `WebStandardStreamableHTTPServerTransport`:
 * `protectMcpEndpoint(rs, policy, (req, { authInfo, parsedBody }) => transport.handleRequest(req, { authInfo, parsedBody }))`.
 */
export function protectMcpEndpoint(
  resource: ProtectedResource,
  policy: McpScopePolicy,
  handler: (
    request: Request,
    context: { authInfo: McpAuthInfo; parsedBody: unknown; token: AccessToken },
  ) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const early = metadataOrPreflight(resource, request);
    if (early) return early;
    let parsedBody: unknown;
    if (request.method === 'POST' && request.headers.get('content-type')?.includes('json')) {
      parsedBody = await request
        .clone()
        .json()
        .catch(() => undefined);
    }
    const scopes = mcpRequiredScopes(parsedBody, policy);
    const result = await resource.authenticate(
      {
        authorization: request.headers.get('authorization'),
        url: request.url,
        method: request.method,
        dpop: request.headers.get('dpop'),
      },
      scopes,
    );
    if (!result.ok) return challengeResponse(result.challenge);
    return withCors(
      await handler(request, { authInfo: toAuthInfo(result.token), parsedBody, token: result.token }),
      result.headers,
    );
  };
}
