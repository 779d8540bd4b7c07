import { OAuthError } from '../../errors.js';
import { jsonNoStore } from '../../http/respond.js';
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  unlinkIdentity,
  updateConnection,
  userIdentities,
} from '../../operations/connections.js';
import { jsonBody, optionalString, type Register } from './http.js';

/**
 * Upstream connections (the configured ones read-only, stored ones created, changed and deleted here)
 * and users' linked identities. Responses never carry a secret field. @see docs/admin-api.md
 */
export function registerConnectionRoutes(route: Register): void {
  route('GET', 'connections', async (ctx) => jsonNoStore({ connections: await listConnections(ctx) }));
  route('POST', 'connections', async (ctx, req, actor) =>
    jsonNoStore({ connection: await createConnection(ctx, await jsonBody(req), actor.id) }, { status: 201 }),
  );
  route('GET', 'connections/:id', async (ctx, _req, _actor, [id]) =>
    jsonNoStore({ connection: await getConnection(ctx, id!) }),
  );
  for (const method of ['PUT', 'PATCH'] as const) {
    route(method, 'connections/:id', async (ctx, req, actor, [id]) => {
      const body = await jsonBody(req);
      const replace = method === 'PUT';
      return jsonNoStore({ connection: await updateConnection(ctx, id!, body, actor.id, { replace }) });
    });
  }
  route('DELETE', 'connections/:id', async (ctx, _req, actor, [id]) => {
    await deleteConnection(ctx, id!, actor.id);
    return jsonNoStore({ deleted: id });
  });

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
