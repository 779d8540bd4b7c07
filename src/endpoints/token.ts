import { authenticateClient } from '../client-auth/authenticate.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { exchangeAuthorizationCode } from '../grants/authorization-code.js';
import { exchangeClientCredentials } from '../grants/client-credentials.js';
import { idJagGrantOffered } from '../grants/enterprise-idps.js';
import { exchangeIdJag } from '../grants/id-jag.js';
import type { GrantExchange } from '../grants/issue.js';
import { exchangeRefreshToken } from '../grants/refresh-token.js';
import { exchangeToken } from '../grants/token-exchange.js';
import { formParams } from '../http/params.js';
import { jsonNoStore } from '../http/respond.js';
import type { GrantType } from '../store/types.js';
import { JWT_BEARER_GRANT } from '../tokens/id-jag.js';
import { checkTokenDpop, dpopNonceHeaders } from './token-dpop.js';

/** Each grant type's exchange: an ordered list of named checks, then issuance (src/grants/). */
const GRANTS: Record<GrantType, GrantExchange> = {
  authorization_code: exchangeAuthorizationCode,
  refresh_token: exchangeRefreshToken,
  client_credentials: exchangeClientCredentials,
  'urn:ietf:params:oauth:grant-type:jwt-bearer': exchangeIdJag,
  'urn:ietf:params:oauth:grant-type:token-exchange': exchangeToken,
};

/**
 * The token endpoint (OAuth 2.1 §3.2): POST, form-encoded, one client authentication, then the grant.
 * Responses carry Cache-Control: no-store (§3.2.3); errors use the exact codes of §3.2.4 and RFC 8707.
 */
export async function handleToken(ctx: Context, req: RequestInfo): Promise<Response> {
  const params = await formParams(req.request);
  const grantType = params.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', '"grant_type" is required');
  // RFC 8707 §2: resource may be repeated; no other parameter may (OAuth 2.1 §3.1).
  const repeated = params.repeated().find((name) => name !== 'resource');
  if (repeated !== undefined) throw new OAuthError('invalid_request', `"${repeated}" must not be repeated`);
  const { client, method } = await authenticateClient(ctx, req.request, params, {
    allowPublic: true,
    ip: req.ip,
  });
  // RFC 6749 §5.2: a grant this server does not offer is unsupported, not the client's to be refused;
  // the ID-JAG grant is offered only while an enterprise IdP is trusted (as the metadata says).
  if (
    !Object.hasOwn(GRANTS, grantType) ||
    (grantType === JWT_BEARER_GRANT && !(await idJagGrantOffered(ctx)))
  ) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  if (!client.grant_types.includes(grantType as GrantType)) {
    throw new OAuthError('unauthorized_client', `this client may not use grant_type ${grantType}`);
  }
  void ctx.store.touchClient(client.client_id, ctx.now()).catch(() => {});
  const exchange = GRANTS[grantType as GrantType];
  // RFC 9449 §5: a DPoP proof binds the tokens to its key (token-dpop.ts); none: nothing to do.
  const proof = checkTokenDpop(ctx, client, req);
  const dpop = proof === undefined ? undefined : await proof;
  const tokens = await exchange(ctx, client, params, dpop ? { ...req, dpop } : req, method);
  ctx.metrics.tokenIssued(grantType, client.source);
  return jsonNoStore(tokens, { headers: dpop ? { ...req.cors, ...dpopNonceHeaders(ctx) } : req.cors });
}
