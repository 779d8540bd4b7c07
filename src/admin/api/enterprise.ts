import { jsonNoStore } from '../../http/respond.js';
import {
  addEnterpriseIdp,
  getEnterpriseIdp,
  listEnterpriseIdps,
  removeEnterpriseIdp,
  replaceEnterpriseIdp,
} from '../../operations/enterprise-idps.js';
import { jsonBody, type Register } from './http.js';

/**
 * Trusted enterprise IdPs (issue 17): the configuration's, read-only, and stored ones. An IdP is
 * addressed by its issuer, percent-encoded in the path (`/enterprise/idps/{encodeURIComponent(iss)}`),
 * as URL client_ids are. @see docs/admin-api.md ("Enterprise IdPs")
 */
export function registerEnterpriseRoutes(route: Register): void {
  route('GET', 'enterprise/idps', async (ctx) => jsonNoStore({ idps: await listEnterpriseIdps(ctx) }));

  route('POST', 'enterprise/idps', async (ctx, req, actor) =>
    jsonNoStore({ idp: await addEnterpriseIdp(ctx, await jsonBody(req), actor.id) }, { status: 201 }),
  );

  route('GET', 'enterprise/idps/:issuer', async (ctx, _req, _actor, [issuer]) =>
    jsonNoStore({ idp: await getEnterpriseIdp(ctx, issuer!) }),
  );

  route('PUT', 'enterprise/idps/:issuer', async (ctx, req, actor, [issuer]) =>
    jsonNoStore({ idp: await replaceEnterpriseIdp(ctx, issuer!, await jsonBody(req), actor.id) }),
  );

  route('DELETE', 'enterprise/idps/:issuer', async (ctx, _req, actor, [issuer]) => {
    await removeEnterpriseIdp(ctx, issuer!, actor.id);
    return new Response(null, { status: 204 });
  });
}
