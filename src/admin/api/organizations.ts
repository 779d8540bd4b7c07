import { jsonNoStore } from '../../http/respond.js';
import {
  addMember,
  createOrganization,
  deleteOrganization,
  listOrganizations,
  organizationDetail,
  removeMember,
} from '../../operations/organizations.js';
import { jsonBody, type Register } from './http.js';

/**
 * Organizations and their members (issue 16). Organizations of the configuration are listed and their
 * members managed, but they are neither deleted nor re-created here. @see docs/admin-api.md
 */
export function registerOrganizationRoutes(route: Register): void {
  route('GET', 'organizations', async (ctx) => jsonNoStore({ organizations: await listOrganizations(ctx) }));
  route('POST', 'organizations', async (ctx, req, actor) =>
    jsonNoStore(
      { organization: await createOrganization(ctx, await jsonBody(req), actor.id) },
      { status: 201 },
    ),
  );
  route('GET', 'organizations/:id', async (ctx, _req, _actor, [id]) =>
    jsonNoStore(await organizationDetail(ctx, id!)),
  );
  route('DELETE', 'organizations/:id', async (ctx, _req, actor, [id]) => {
    await deleteOrganization(ctx, id!, actor.id);
    return jsonNoStore({ deleted: id });
  });
  // Adds a member by e-mail, or replaces a member's roles: {"email": "…", "roles": ["admin"]}.
  route('POST', 'organizations/:id/members', async (ctx, req, actor, [id]) =>
    jsonNoStore({ member: await addMember(ctx, id!, await jsonBody(req), actor.id) }, { status: 201 }),
  );
  route('DELETE', 'organizations/:id/members/:member', async (ctx, _req, actor, [id, member]) => {
    await removeMember(ctx, id!, member!, actor.id);
    return jsonNoStore({ removed: member });
  });
}
