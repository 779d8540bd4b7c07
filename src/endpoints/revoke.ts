import { authenticateClient } from '../client-auth/authenticate.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { inspectToken } from '../grants/inspect.js';
import { formParams } from '../http/params.js';

/**
 * Token revocation (RFC 7009). The caller authenticates (public clients by client_id); a token that is
 * not the caller's is left alone; the answer is 200 whether or not anything was revoked (§2.2).
 * Revoking a refresh token revokes its whole grant, and with it the grant's access tokens (§2.1).
 */
export async function handleRevoke(ctx: Context, req: RequestInfo): Promise<Response> {
  const params = await formParams(req.request);
  const { client } = await authenticateClient(ctx, req.request, params, { allowPublic: true, ip: req.ip });
  const token = params.get('token');
  if (!token) throw new OAuthError('invalid_request', '"token" is required');
  const hint = params.get('token_type_hint');
  if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
    throw new OAuthError('unsupported_token_type', `token_type_hint ${hint} is not supported`);
  }
  const found = await inspectToken(ctx, token);
  const at = ctx.now();
  if (found?.kind === 'refresh_token' && found.record.clientId === client.client_id) {
    await ctx.store.revokeGrant(found.record.grantId, at, 'refresh token revoked by client');
    await ctx.audit(
      {
        type: 'token.revoked',
        clientId: client.client_id,
        detail: { kind: 'refresh_token', grantId: found.record.grantId },
      },
      req,
    );
  } else if (found?.kind === 'access_token' && found.claims.client_id === client.client_id) {
    await ctx.store.revokeAccessToken(found.claims.jti, found.claims.exp * 1000);
    await ctx.audit(
      { type: 'token.revoked', clientId: client.client_id, detail: { kind: 'access_token' } },
      req,
    );
  }
  return new Response(null, { status: 200, headers: { 'cache-control': 'no-store', ...req.cors } });
}
