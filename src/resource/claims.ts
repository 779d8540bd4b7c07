import type { AccessToken } from './access-token.js';
import type { ResolvedResourceOptions } from './options.js';
import { splitScope } from './scopes.js';

/**
 * The claims every access token must carry as strings (RFC 9068 §2.2; RFC 7662 §2.2 for an
 * introspection answer), turned into the AccessToken a handler sees. Returns the problem, or the token.
 */
export function accessTokenFromClaims(
  config: ResolvedResourceOptions,
  token: string,
  claims: Record<string, unknown>,
): AccessToken | undefined {
  const { sub, client_id: clientId, scope, exp } = claims;
  if (
    typeof sub !== 'string' ||
    typeof clientId !== 'string' ||
    (scope !== undefined && typeof scope !== 'string')
  )
    return undefined;
  return {
    token,
    issuer: config.issuer,
    subject: sub,
    clientId,
    scopes: splitScope(scope),
    expiresAt: exp as number,
    resource: config.resource,
    claims,
  };
}
