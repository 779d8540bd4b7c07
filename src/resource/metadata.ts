import { corsHeaders, preflightResponse } from './cors.js';
import type { ResolvedResourceOptions } from './options.js';

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells an MCP client which
 * authorization server to use. Every URL here is built from the configured strings by slicing, never
 * through `new URL().href`, which would add a trailing slash to an origin-only resource (RFC 9728 §3.3
 * wants `resource` identical to the identifier; a `/` too many breaks MCP clients).
 */

export const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
}

/** Splits `https://host:port/path` into its origin and path (`''` for none) without normalising either. */
export function splitResource(resource: string): { origin: string; path: string } {
  const authorityStart = resource.indexOf('//') + 2;
  const pathStart = resource.indexOf('/', authorityStart);
  if (pathStart === -1) return { origin: resource, path: '' };
  return { origin: resource.slice(0, pathStart), path: resource.slice(pathStart) };
}

/**
 * The metadata's path: the well-known suffix inserted between the host and the resource's path
 * (RFC 9728 §3.1), a terminating `/` right after the host removed first.
 */
export function metadataPath(resource: string): string {
  const { path } = splitResource(resource);
  return WELL_KNOWN + (path === '/' ? '' : path);
}

/** The absolute URL of the metadata, as named by `resource_metadata` in every challenge (RFC 9728 §5.1). */
export function metadataUrl(resource: string): string {
  return splitResource(resource).origin + metadataPath(resource);
}

/**
 * The document for `resource` (RFC 9728 §2): `resource` byte-identical to the identifier (§3.3),
 * bearer tokens in the header only (MCP "Token Requirements"), and no member with an empty array (§2).
 */
export function buildMetadata(
  config: ResolvedResourceOptions,
  resource = config.resource,
): ProtectedResourceMetadata {
  const doc: ProtectedResourceMetadata = {
    resource,
    authorization_servers: [config.issuer],
    bearer_methods_supported: ['header'],
  };
  // MCP 2026-07-28 "Refresh Tokens": offline_access is the client's business, not the resource's.
  const scopes = config.scopesSupported.filter((scope) => scope !== 'offline_access');
  if (scopes.length) doc.scopes_supported = scopes;
  if (config.resourceName !== null) doc.resource_name = config.resourceName;
  if (config.resourceDocumentation !== null) doc.resource_documentation = config.resourceDocumentation;
  return doc;
}

/**
 * The documents this resource serves, keyed by request path:
 * - the path-inserted location (RFC 9728 §3.1), describing the resource itself;
 * - for a resource with a path, the root location as a fallback for clients that ignore
 *   `resource_metadata` and the path-inserted URL. As in the MCP conformance suite, a document found
 *   at the root describes the origin (`resource` is the origin), because RFC 9728 §3.3 binds a
 *   document's `resource` to the URL it was derived from. A client that follows it asks for a token
 *   for the origin, which works only if the authorization server knows the origin as a resource.
 */
export function metadataDocuments(config: ResolvedResourceOptions): Map<string, ProtectedResourceMetadata> {
  const documents = new Map<string, ProtectedResourceMetadata>();
  documents.set(metadataPath(config.resource), buildMetadata(config));
  if (!documents.has(WELL_KNOWN)) {
    documents.set(WELL_KNOWN, buildMetadata(config, splitResource(config.resource).origin));
  }
  return documents;
}

/**
 * Answers a request for one of the metadata paths (GET, HEAD, OPTIONS; 405 otherwise), or returns
 * `undefined` for any other path so callers pass the request on. Takes the method and path rather than
 * a Request, so node adapters need not build one.
 */
export function createMetadataResponder(
  config: ResolvedResourceOptions,
): (method: string, pathname: string) => Response | undefined {
  const bodies = new Map([...metadataDocuments(config)].map(([path, doc]) => [path, JSON.stringify(doc)]));
  return (method, pathname) => {
    const body = bodies.get(pathname);
    if (body === undefined) return undefined;
    if (method === 'OPTIONS') return preflightResponse('GET, OPTIONS');
    const headers = { ...corsHeaders('GET, OPTIONS'), 'cache-control': 'public, max-age=300' };
    if (method !== 'GET' && method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { ...headers, allow: 'GET, HEAD, OPTIONS' } });
    }
    return new Response(method === 'HEAD' ? null : body, {
      headers: { ...headers, 'content-type': 'application/json' },
    });
  };
}
