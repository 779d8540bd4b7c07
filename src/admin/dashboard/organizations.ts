import type { Context, RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { Params } from '../../http/params.js';
import { html } from '../../http/respond.js';
import {
  addMember,
  createOrganization,
  deleteOrganization,
  listOrganizations,
  organizationDetail,
  removeMember,
} from '../../operations/organizations.js';
import { renderOrganizations } from '../../pages/admin/organizations.js';
import { type AdminView, actionError, afterAction } from './kit.js';

/** The "Organizations" page (`?id=` selects one to show its members) and its form actions. */
export async function showOrganizations(ctx: Context, req: RequestInfo, view: AdminView): Promise<Response> {
  const id = req.url.searchParams.get('id');
  return html(
    renderOrganizations({
      frame: view.frame('organizations', 'Organizations'),
      admin: view.admin,
      csrf: view.csrf,
      organizations: await listOrganizations(ctx),
      ...(id ? { selected: await organizationDetail(ctx, id) } : {}),
    }),
  );
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function perform(ctx: Context, view: AdminView, params: Params, id: string): Promise<string> {
  switch (params.get('op')) {
    case 'create': {
      const connection = params.get('connection')?.trim();
      const input = { id, name: params.get('name') ?? '', domains: list(params.get('domains')) };
      await createOrganization(ctx, connection ? { ...input, connection } : input, view.actor);
      return 'org-create';
    }
    case 'delete':
      await deleteOrganization(ctx, id, view.actor);
      return 'org-delete';
    case 'add-member':
      await addMember(
        ctx,
        id,
        { email: params.get('email') ?? '', roles: list(params.get('roles')) },
        view.actor,
      );
      return 'member-save';
    case 'remove-member':
      await removeMember(ctx, id, params.get('member') ?? '', view.actor);
      return 'member-remove';
    default:
      throw new OAuthError('invalid_request', 'unknown action');
  }
}

export async function handleOrganizationAction(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const id = params.get('id')?.trim() ?? '';
  const op = params.get('op');
  const list = `${view.admin}/organizations`;
  const back = op === 'add-member' || op === 'remove-member' ? `${list}?id=${encodeURIComponent(id)}` : list;
  try {
    const done = await perform(ctx, view, params, id);
    return afterAction(op === 'create' ? `${list}?id=${encodeURIComponent(id)}` : back, done);
  } catch (error) {
    return actionError(view, 'organizations', error, back);
  }
}
