import type { AccessToken } from './access-token.js';
import { challengeResponse } from './challenge.js';
import { corsHeaders, preflightResponse } from './cors.js';
import type { ProtectedResource } from './protected-resource.js';

/**
 * A web-standard handler `(Request) => Response` behind bearer authentication, for any runtime with
 * `fetch` (Node through an adapter, Deno, Bun, Workers). It also serves the RFC 9728 metadata routes
 * and CORS preflights, so one wrapper makes the whole resource discoverable.
 */

/** Scopes a request needs: a fixed list, or computed from the request (clone it to read the body). */
export type ScopeRequirement<R> =
  | readonly string[]
  | ((request: R) => readonly string[] | Promise<readonly string[]>);

export async function resolveScopes<R>(
  requirement: ScopeRequirement<R> | undefined,
  request: R,
): Promise<readonly string[]> {
  if (requirement === undefined) return [];
  return typeof requirement === 'function' ? requirement(request) : requirement;
}

/**
 * Adds the CORS headers a browser client needs to read the response, and `extra` (the authentication
 * result's headers, e.g. `DPoP-Nonce`), without replacing any the handler set.
 */
export function withCors(response: Response, extra: Record<string, string> = {}): Response {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries({ ...corsHeaders(), ...extra }))
    if (!out.headers.has(name)) out.headers.set(name, value);
  return out;
}

/** The resource's metadata document (RFC 9728 §3) or a CORS preflight answer, before any token is read. */
export function metadataOrPreflight(resource: ProtectedResource, request: Request): Response | undefined {
  const metadata = resource.handleMetadata(request);
  if (metadata) return metadata;
  if (request.method === 'OPTIONS')
    return preflightResponse(undefined, request.headers.get('access-control-request-headers'));
  return undefined;
}

export function withBearerAuth(
  resource: ProtectedResource,
  handler: (request: Request, token: AccessToken) => Response | Promise<Response>,
  options: { scopes?: ScopeRequirement<Request> } = {},
): (request: Request) => Promise<Response> {
  return async (request) => {
    const early = metadataOrPreflight(resource, request);
    if (early) return early;
    const scopes = await resolveScopes(options.scopes, request);
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
    return withCors(await handler(request, result.token), result.headers);
  };
}
