import type { ResolvedResource } from '../config/resolve.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import { clientKeysOf } from '../lanes/client-keys.js';
import type { ClientRecord } from '../store/types.js';
import { USER_SUBJECT_PREFIX } from '../subjects.js';
import { resolveResource, resolveScopes } from './audience.js';
import { type GrantExchange, issueAccessToken, tokenResponse } from './issue.js';

/**
 * grant_type=client_credentials (OAuth 2.1 §4.2), as an ordered list of checks: confidential clients
 * only, no refresh token (RFC 6749 §4.4.3). The subject is the client itself, so `sub` is the client_id.
 */
export const exchangeClientCredentials: GrantExchange = async (ctx, client, params, req) => {
  const exchange: ClientCredentialsExchange = { ctx, client, params };
  for (const check of CHECKS) check(exchange);
  const scope = exchange.scope!;
  const access = await issueAccessToken(ctx, {
    sub: client.client_id,
    clientId: client.client_id,
    resource: exchange.resource!.resource,
    scope,
    jkt: req.dpop?.jkt,
  });
  return tokenResponse(access, scope);
};

interface ClientCredentialsExchange {
  ctx: Context;
  client: ClientRecord;
  params: Params;
  /** Set by checkResource. */
  resource?: ResolvedResource;
  /** Set by checkScope. */
  scope?: string[];
}

type Check = (exchange: ClientCredentialsExchange) => void;

/**
 * OAuth 2.1 §4.2, RFC 6749 §4.4: confidential clients only, holding a credential. The MCP
 * client-credentials extension: preregistered clients only (a CIMD document's grant list never includes
 * client_credentials, src/lanes/cimd/document.ts).
 */
const checkConfidential: Check = ({ client }) => {
  const hasCredential =
    client.token_endpoint_auth_method === 'private_key_jwt'
      ? clientKeysOf(client) !== undefined
      : client.secretHash !== null;
  if (client.token_endpoint_auth_method === 'none' || !hasCredential || client.source === 'cimd') {
    throw new OAuthError('unauthorized_client', 'client_credentials is for confidential clients');
  }
};

/**
 * The client_id becomes `sub`: generated and chosen client_ids can never take the `usr_` form of user
 * subjects (src/lanes/client-id.ts; RFC 9068 §2.2; RFC 9700 §4.15). A client stored before that rule
 * existed is refused rather than minted a token whose `sub` looks like a user's.
 */
const checkSubjectNotUserLike: Check = ({ client }) => {
  if (client.client_id.toLowerCase().startsWith(USER_SUBJECT_PREFIX))
    throw new OAuthError(
      'unauthorized_client',
      `a client_id starting with ${USER_SUBJECT_PREFIX} cannot be a subject`,
    );
};

/** RFC 8707 §2: one resource this client may obtain tokens for by itself (audience.ts). */
const checkResource: Check = (exchange) => {
  const { ctx, client, params } = exchange;
  exchange.resource = resolveResource(
    ctx.resources.snapshot(),
    client,
    params.all('resource'),
    false,
    'client',
  );
};

/** OAuth 2.1 §3.2.2.1: the requested scope, within what the client and resource allow; no identity scopes. */
const checkScope: Check = (exchange) => {
  exchange.scope = resolveScopes(exchange.resource!, exchange.client, exchange.params.get('scope'), {
    redirectable: false,
    identityScopes: false,
  });
};

const CHECKS: Check[] = [checkConfidential, checkSubjectNotUserLike, checkResource, checkScope];
