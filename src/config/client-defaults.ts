import type { ClientKeys } from '../lanes/client-keys.js';
import type { GrantType, TokenEndpointAuthMethod } from '../store/types.js';
import type { ClientOptions } from './options.js';
import type { ResolvedClientSeed } from './resolve.js';

/**
 * The one definition of the client-metadata defaults (RFC 7591 §2), read by the configuration schema,
 * the resolved client seeds, the client operations and every lane's client records.
 */

/**
 * A preregistered client's method when it names none: `client_secret_basic` with a secret (RFC 7591
 * §2's default), `none` without one (a public client).
 */
export function defaultAuthMethod(client: { client_secret?: string | undefined }): TokenEndpointAuthMethod {
  return client.client_secret ? 'client_secret_basic' : 'none';
}

/**
 * A preregistered client's grant types when it names none: the code flow with refresh when it has
 * redirect URIs, else nothing (the schema then requires `grant_types`).
 */
export function defaultGrantTypes(redirectUris: readonly string[] | undefined): GrantType[] {
  return redirectUris?.length ? ['authorization_code', 'refresh_token'] : [];
}

/** RFC 7591 §2: `grant_types` omitted means `authorization_code` (DCR registrations, CIMD documents). */
export const RFC7591_DEFAULT_GRANT_TYPES: readonly GrantType[] = Object.freeze(['authorization_code']);

/**
 * The response types a client's grants imply: `code` with the authorization code grant (the only
 * response type, OAuth 2.1 §4.1.1), none without it.
 */
export function responseTypesFor(grantTypes: readonly string[]): string[] {
  return grantTypes.includes('authorization_code') ? ['code'] : [];
}

/** Fills a client's defaults (shared by config seeding and the admin operations). */
export function resolveClientSeed(client: ClientOptions): ResolvedClientSeed {
  const method = client.token_endpoint_auth_method ?? defaultAuthMethod(client);
  const redirectUris = client.redirect_uris ?? [];
  return {
    client_id: client.client_id,
    client_name: client.client_name ?? null,
    client_secret: client.client_secret ?? null,
    token_endpoint_auth_method: method,
    grant_types: client.grant_types ?? defaultGrantTypes(redirectUris),
    redirect_uris: redirectUris,
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    application_type: client.application_type ?? 'web',
    scope: client.scope ?? null,
    resources: client.resources ?? [],
    introspect: client.introspect ?? [],
    first_party: client.first_party ?? false,
    dpop_bound_access_tokens: client.dpop_bound_access_tokens ?? false,
    clientKeys: method === 'private_key_jwt' ? seedClientKeys(client) : null,
  };
}

function seedClientKeys(client: ClientOptions): ClientKeys {
  const keys: ClientKeys = {};
  // A copy: the resolved configuration is frozen, and the caller's object must stay theirs.
  if (client.jwks) keys.jwks = structuredClone(client.jwks) as unknown as ClientKeys['jwks'];
  // From this file, a jwks_uri is the operator's word (DESIGN.md §4); the admin API's is not.
  if (client.jwks_uri) Object.assign(keys, { jwks_uri: client.jwks_uri, trusted: true });
  if (client.token_endpoint_auth_signing_alg)
    keys.token_endpoint_auth_signing_alg = client.token_endpoint_auth_signing_alg;
  return keys;
}
