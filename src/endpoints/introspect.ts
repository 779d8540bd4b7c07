import { authenticateClient } from '../client-auth/authenticate.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { type InspectedToken, inspectToken } from '../grants/inspect.js';
import { formParams } from '../http/params.js';
import { jsonNoStore } from '../http/respond.js';
import type { ClientRecord } from '../store/types.js';

const INACTIVE = { active: false } as const;

/**
 * Token introspection (RFC 7662). Only authenticated confidential clients may ask (§2.1), and they see
 * only tokens issued to them or for a resource they are allowed to introspect; anything else, like any
 * expired, revoked or unknown token, is exactly {"active":false} (§2.2).
 */
export async function handleIntrospect(ctx: Context, req: RequestInfo): Promise<Response> {
  const params = await formParams(req.request);
  const { client } = await authenticateClient(ctx, req.request, params, { allowPublic: false, ip: req.ip });
  const token = params.get('token');
  if (!token) throw new OAuthError('invalid_request', '"token" is required');
  const found = await inspectToken(ctx, token);
  if (!found?.active || !mayIntrospect(client, found)) return jsonNoStore(INACTIVE, { headers: req.cors });
  if (found.kind === 'access_token') {
    const c = found.claims;
    return jsonNoStore(
      {
        active: true,
        // RFC 9449 §6.2: a DPoP-bound token is introspected with its type and its cnf.jkt.
        token_type: c.cnf === undefined ? 'Bearer' : 'DPoP',
        ...(c.cnf === undefined ? {} : { cnf: c.cnf }),
        iss: c.iss,
        sub: c.sub,
        aud: c.aud,
        client_id: c.client_id,
        scope: c.scope,
        iat: c.iat,
        exp: c.exp,
        jti: c.jti,
        // RFC 8693 §4.1: the actor of an exchanged token is part of what the resource server learns.
        ...(c.act === undefined ? {} : { act: c.act }),
        ...(c.org_id === undefined ? {} : { org_id: c.org_id }),
        ...(c.roles === undefined ? {} : { roles: c.roles }),
      },
      { headers: req.cors },
    );
  }
  const { record, grant } = found;
  return jsonNoStore(
    {
      active: true,
      token_type: 'refresh_token',
      iss: ctx.config.issuer,
      sub: grant!.userId,
      aud: record.resource,
      client_id: record.clientId,
      scope: record.scope,
      iat: Math.floor(record.createdAt / 1000),
      exp: Math.floor(record.expiresAt / 1000),
      ...(grant!.orgId === undefined ? {} : { org_id: grant!.orgId }),
    },
    { headers: req.cors },
  );
}

function mayIntrospect(caller: ClientRecord, token: InspectedToken): boolean {
  const owner = token.kind === 'access_token' ? token.claims.client_id : token.record.clientId;
  const audience = token.kind === 'access_token' ? token.claims.aud : token.record.resource;
  return (
    owner === caller.client_id || caller.introspect.includes('*') || caller.introspect.includes(audience)
  );
}
