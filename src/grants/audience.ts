import type { ResolvedConfig, ResolvedResource } from '../config/resolve.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { PATHS } from '../paths.js';
import type { ClientRecord } from '../store/types.js';

/**
 * Resource indicators (RFC 8707) and scopes: which audience a token is for and what it may do.
 * One resource per grant: several `resource` values are refused with invalid_target (a documented
 * single-audience policy, RFC 8707 §2.1), so every token has exactly one `aud`.
 */

/**
 * Scopes about the user's identity, granted by the authorization server itself (OIDC Core §5.4), and
 * `roles`: the user's roles in the organization they act in, as the access token's `roles` claim (RFC
 * 9068 §2.2.3.1; docs/sign-in.md "Organizations").
 */
export const IDENTITY_SCOPES = ['openid', 'email', 'roles'] as const;

/**
 * `offline_access` (OIDC Core §11; MCP SEP-2207) asks for a refresh token. Here a refresh token is
 * issued to every client whose grant_types include refresh_token, asked for or not (OAuth 2.1 §4.3:
 * the server decides), so the scope is understood and then dropped: it is never an error, never part
 * of a grant, an access token's `scope` or the consent page, and it cannot name a resource's scope.
 */
export const OFFLINE_ACCESS = 'offline_access';

/**
 * What resource resolution reads: the issuer, the default resource and the resources as they are now.
 * At run time that is `ctx.resources.snapshot()` (administrators' edits included); a ResolvedConfig
 * fits too (tests, and anything that needs only the configured resources).
 */
export type ResourceView = Pick<ResolvedConfig, 'issuer' | 'defaultResource'> & {
  readonly resources: readonly ResolvedResource[];
};

/** A requested `scope` as a list, without `offline_access` (see OFFLINE_ACCESS). */
export function splitRequestedScope(scope: string | undefined | null): string[] {
  return splitScope(scope).filter((s) => s !== OFFLINE_ACCESS);
}

/**
 * The canonical forms computed lately: every token request compares its resource with each configured
 * one, and both are nearly always the same few strings. Bounded (cleared when full), so requests naming
 * ever new resources cost a recomputation, never memory.
 */
const canonicalForms = new Map<string, string | undefined>();
const MAX_CANONICAL_FORMS = 128;

/** Canonical form for comparison: lower-case scheme and host; an origin-only URI compares with or without "/". */
export function canonicalResource(uri: string): string | undefined {
  if (canonicalForms.has(uri)) return canonicalForms.get(uri);
  const canonical = canonicalFormOf(uri);
  if (canonicalForms.size >= MAX_CANONICAL_FORMS) canonicalForms.clear();
  canonicalForms.set(uri, canonical);
  return canonical;
}

/** How many canonical forms are memoised now (for the bound's test, test/fuzz/canonical-resource.test.ts). */
export function canonicalFormsHeld(): number {
  return canonicalForms.size;
}

function canonicalFormOf(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const rest = uri.slice(uri.indexOf('//') + 2);
  const pathStart = rest.search(/[/?]/);
  const tail = pathStart === -1 ? '' : rest.slice(pathStart);
  return `${url.protocol}//${url.host}${tail === '/' ? '' : tail}`;
}

/** The built-in admin API's resource indicator, `{issuer}/admin`. */
export function adminResource(config: Pick<ResolvedConfig, 'issuer'>): string {
  return config.issuer + PATHS.admin;
}

/**
 * How a token comes to exist: delegated by a signed-in user (the authorization code, and every refresh
 * of its grant), or obtained by a client for itself (client_credentials).
 */
export type IssuancePath = 'user' | 'client';

/**
 * The one rule for who may hold admin API tokens: the admin resource is issued only to a client for
 * itself (client_credentials, to a preregistered client that lists it), never delegated by a user. A
 * user's power over Gatehouse comes from being an administrator, and is checked on the session; a
 * client allowed to call the admin API must not turn any user who can sign in into one. Every grant
 * path asks this question before issuing: /authorize, code redemption, refresh, client_credentials.
 */
export function mayIssueFor(config: Pick<ResolvedConfig, 'issuer'>, resource: string, path: IssuancePath) {
  return path === 'client' || canonicalResource(resource) !== canonicalResource(adminResource(config));
}

/**
 * The configured resource that `requested` names (RFC 8707 §2: absolute URI, no fragment), checked
 * against the issuance path, the client's allowed resources and the resource's allowed lanes. An
 * unacceptable resource is invalid_target (RFC 8707 §2: "the requested resource is invalid, missing,
 * unknown, or malformed", and the server may refuse one by policy).
 */
export function resolveResource(
  config: ResourceView,
  client: ClientRecord,
  requested: readonly string[],
  redirectable: boolean,
  path: IssuancePath = 'user',
): ResolvedResource {
  const fail = (description: string) => new OAuthError('invalid_target', description, { redirectable });
  if (requested.length > 1) throw fail('only one resource may be requested per authorization');
  const value = requested[0] ?? config.defaultResource;
  if (value === undefined || value === null) throw fail('the "resource" parameter is required');
  if (value.includes('#')) throw fail('"resource" must not contain a fragment');
  const canonical = canonicalResource(value);
  if (!canonical) throw fail('"resource" must be an absolute URI');
  const resource = config.resources.find((r) => canonicalResource(r.resource) === canonical);
  if (!resource) {
    const meant = resourceDifferingBySlash(config, canonical);
    if (meant) {
      throw fail(
        `the requested resource ${value} is not known to this server; the configured resource is ${meant} (resource identifiers compare exactly, RFC 8707 §2: a trailing slash makes another resource)`,
      );
    }
    throw fail('the requested resource is not known to this server');
  }
  const refused = refusalFor(config, client, resource, path);
  if (refused) throw fail(refused);
  return resource;
}

/**
 * Why `client` may not obtain tokens for `resource` through `path`, or undefined when it may: the
 * issuance rule (never the admin API through a user), the client's own list of resources, the
 * resource's lanes. The one predicate behind resolveResource and the resources an error page lists.
 */
export function refusalFor(
  config: Pick<ResolvedConfig, 'issuer'>,
  client: ClientRecord,
  resource: ResolvedResource,
  path: IssuancePath,
): string | undefined {
  if (!mayIssueFor(config, resource.resource, path))
    return 'tokens for the admin API are issued only to clients, through client_credentials';
  if ((client.resources.length || resource.restricted) && !client.resources.includes(resource.resource))
    return 'this client may not request tokens for the requested resource';
  if (!resource.lanes[client.source]) return `the resource does not accept ${client.source} clients`;
  return undefined;
}

/**
 * A configured resource that `canonical` names but for a trailing slash on its path (`/mcp/` for
 * `/mcp`, or `/mcp` for `/mcp/`): never accepted — RFC 8707 §2 identifies a resource by its URI, and
 * the MCP spec's canonical URI has no trailing slash — but named in the error, so the person
 * configuring the client sees which URL to use. The admin API's resource is never named.
 */
function resourceDifferingBySlash(config: ResourceView, canonical: string): string | undefined {
  const query = canonical.search(/[?]/);
  const path = query === -1 ? canonical : canonical.slice(0, query);
  const rest = query === -1 ? '' : canonical.slice(query);
  const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
  return config.resources.find((r) => !r.restricted && canonicalResource(r.resource) === `${other}${rest}`)
    ?.resource;
}

export function splitScope(scope: string | undefined | null): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter(Boolean))];
}

/**
 * The scopes to grant (RFC 6749 §3.3): a scope unknown to the resource is invalid_scope; a known scope
 * the client may not have is dropped (narrowed); nothing requested means the resource's defaults.
 */
export function resolveScopes(
  resource: ResolvedResource,
  client: ClientRecord,
  requested: string | undefined,
  options: { redirectable: boolean; identityScopes: boolean },
): string[] {
  const identity: readonly string[] = options.identityScopes ? IDENTITY_SCOPES : [];
  const permitted = scopePermission(client, identity);
  const asked = splitRequestedScope(requested);
  if (asked.length === 0) {
    const defaults = resource.defaultScopes.filter(permitted);
    return defaults;
  }
  const unknown = asked.filter((s) => !resource.scopes.includes(s) && !identity.includes(s));
  if (unknown.length) {
    throw new OAuthError('invalid_scope', `unknown scope: ${unknown.join(' ')}`, {
      redirectable: options.redirectable,
    });
  }
  const granted = asked.filter(permitted);
  if (granted.length === 0) {
    throw new OAuthError('invalid_scope', 'none of the requested scopes is allowed for this client', {
      redirectable: options.redirectable,
    });
  }
  return granted;
}

/**
 * Whether the client may hold a scope: an identity scope, or one its `scope` does not exclude. A
 * client `scope` of only `offline_access` (a CIMD document asking for refresh tokens) excludes nothing.
 */
function scopePermission(client: ClientRecord, identity: readonly string[]): (scope: string) => boolean {
  const allowedForClient = clientScopes(client);
  return (s) => identity.includes(s) || allowedForClient === null || allowedForClient.has(s);
}

/**
 * The scopes a client's `scope` allows, or null when it does not restrict them. Kept per client record
 * (a WeakMap: the cached record of a busy client is parsed once, and goes with it); a record is never
 * changed in place (an update stores a new one), so the memo cannot go stale.
 */
const clientScopeSets = new WeakMap<ClientRecord, ReadonlySet<string> | null>();

function clientScopes(client: ClientRecord): ReadonlySet<string> | null {
  let allowed = clientScopeSets.get(client);
  if (allowed === undefined) {
    const declared = client.scope === null ? null : splitRequestedScope(client.scope);
    const onlyOffline = declared !== null && declared.length === 0 && splitScope(client.scope).length > 0;
    allowed = declared === null || onlyOffline ? null : new Set(declared);
    clientScopeSets.set(client, allowed);
  }
  return allowed;
}

/**
 * Which of a grant's `scopes` the client may still hold for `resource`, by the same rule as
 * `resolveScopes`: the identity scopes, and the resource's scopes that the client's `scope` does not
 * exclude. A refresh narrows its grant to these (OAuth 2.1 §4.3.1: never more than was granted).
 */
export function allowedScopes(
  resource: ResolvedResource,
  client: ClientRecord,
  scopes: readonly string[],
): string[] {
  const identity: readonly string[] = IDENTITY_SCOPES;
  const permitted = scopePermission(client, identity);
  return scopes.filter((s) => (identity.includes(s) || resource.scopes.includes(s)) && permitted(s));
}

/** The resource named exactly `resource`, as it is now (administrators' edits included). */
export function findResource(ctx: Context, resource: string): ResolvedResource | undefined {
  return ctx.resources.snapshot().resources.find((r) => r.resource === resource);
}
