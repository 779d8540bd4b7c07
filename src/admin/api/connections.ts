import { OAuthError } from '../../errors.js';
import { jsonNoStore } from '../../http/respond.js';
import { listConnections, unlinkIdentity, userIdentities } from '../../operations/connections.js';
import { jsonBody, optionalString, type Register } from './http.js';

/** Upstream connections (read-only) and users' linked identities. @see docs/admin-api.md */
export function registerConnectionRoutes(route: Register): void {
  route('GET', 'connections', async (ctx) => jsonNoStore({ connections: listConnections(ctx) }));

  route('GET', 'users/:id/identities', async (ctx, _req, _actor, [id]) =>
    jsonNoStore({ identities: await userIdentities(ctx, id!) }),
  );

  // The issuer is a URL, so the identity travels in the body rather than in the path.
  route('POST', 'users/:id/identities/unlink', async (ctx, req, actor, [id]) => {
    const body = await jsonBody(req);
    const issuer = optionalString(body, 'issuer');
    const subject = optionalString(body, 'subject');
    if (!issuer || !subject) throw new OAuthError('invalid_request', '"issuer" and "subject" are required');
    await unlinkIdentity(ctx, id!, { issuer, subject }, actor.id);
    return jsonNoStore({ identities: await userIdentities(ctx, id!) });
  });
}
