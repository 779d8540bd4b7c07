import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import { clientKeysOf } from '../lanes/client-keys.js';
import type { ClientRecord } from '../store/types.js';
import { USER_SUBJECT_PREFIX } from '../subjects.js';
import { resolveResource, resolveScopes } from './audience.js';
import { issueAccessToken, type TokenResponse, tokenResponse } from './issue.js';

/**
 * grant_type=client_credentials (OAuth 2.1 §4.2): confidential clients only, no refresh token
 * (RFC 6749 §4.4.3). The subject is the client itself, so `sub` is the client_id: generated and
 * chosen client_ids can never take the `usr_` form of user subjects (src/lanes/client-id.ts; RFC 9068
 * §2.2; RFC 9700 §4.15). A client stored before that rule existed is refused here rather than minted a
 * token whose `sub` looks like a user's.
 */
export async function exchangeClientCredentials(
  ctx: Context,
  client: ClientRecord,
  params: Params,
): Promise<TokenResponse> {
  const hasCredential =
    client.token_endpoint_auth_method === 'private_key_jwt'
      ? clientKeysOf(client) !== undefined
      : client.secretHash !== null;
  // The MCP client-credentials extension: preregistered clients only (a CIMD document's grant list
  // never includes client_credentials, src/lanes/cimd/document.ts).
  if (client.token_endpoint_auth_method === 'none' || !hasCredential || client.source === 'cimd') {
    throw new OAuthError('unauthorized_client', 'client_credentials is for confidential clients');
  }
  if (client.client_id.toLowerCase().startsWith(USER_SUBJECT_PREFIX))
    throw new OAuthError(
      'unauthorized_client',
      `a client_id starting with ${USER_SUBJECT_PREFIX} cannot be a subject`,
    );
  const resource = resolveResource(ctx.resources.snapshot(), client, params.all('resource'), false, 'client');
  const scope = resolveScopes(resource, client, params.get('scope'), {
    redirectable: false,
    identityScopes: false,
  });
  const access = await issueAccessToken(ctx, {
    sub: client.client_id,
    clientId: client.client_id,
    resource: resource.resource,
    scope,
  });
  return tokenResponse(access, scope);
}
