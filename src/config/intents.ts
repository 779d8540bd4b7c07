import type { ClientOptions } from './options.js';

/**
 * One-line client seeds for the common owned-app shapes. Each returns plain `ClientOptions`, so the
 * JSON config and these helpers always describe the same thing.
 *
 * @example clients: [webApp('portal', { secret: env.PORTAL_SECRET, redirectUris: ['https://portal.example/cb'] })]
 */

interface Common {
  name?: string;
  scope?: string;
  resources?: string[];
  firstParty?: boolean;
}

/** A server-side web app: confidential, authorization code + refresh tokens. */
export function webApp(
  clientId: string,
  options: Common & { secret: string; redirectUris: string[]; postLogoutRedirectUris?: string[] },
): ClientOptions {
  return {
    ...common(clientId, options),
    client_secret: options.secret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: options.redirectUris,
    post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
    application_type: 'web',
  };
}

/**
 * A native, desktop, mobile or localhost tool: a public client (RFC 8252 §8.4) using PKCE. Loopback
 * redirect URIs match any port.
 */
export function nativeApp(
  clientId: string,
  options: Common & { redirectUris: string[]; postLogoutRedirectUris?: string[] },
): ClientOptions {
  return {
    ...common(clientId, options),
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: options.redirectUris,
    post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
    application_type: 'native',
  };
}

/** A browser single-page app: a public client using PKCE. */
export function singlePageApp(
  clientId: string,
  options: Common & { redirectUris: string[]; postLogoutRedirectUris?: string[] },
): ClientOptions {
  return { ...nativeApp(clientId, options), application_type: 'web' };
}

/** A machine (CI job, daemon): confidential, client_credentials only. */
export function machineClient(
  clientId: string,
  options: Omit<Common, 'firstParty'> & {
    secret: string;
    authMethod?: 'client_secret_basic' | 'client_secret_post';
  },
): ClientOptions {
  return {
    ...common(clientId, options),
    client_secret: options.secret,
    token_endpoint_auth_method: options.authMethod ?? 'client_secret_basic',
    grant_types: ['client_credentials'],
  };
}

function common(clientId: string, options: Common): ClientOptions {
  const client: ClientOptions = { client_id: clientId };
  if (options.name !== undefined) client.client_name = options.name;
  if (options.scope !== undefined) client.scope = options.scope;
  if (options.resources !== undefined) client.resources = options.resources;
  if (options.firstParty !== undefined) client.first_party = options.firstParty;
  return client;
}
