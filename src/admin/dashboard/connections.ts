import type { Context, RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { Params } from '../../http/params.js';
import { html } from '../../http/respond.js';
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  setConnectionEnabled,
} from '../../operations/connections.js';
import { renderConfirm } from '../../pages/admin/confirm.js';
import { renderConnections, renderNewConnection } from '../../pages/admin/connections.js';
import { type AdminView, actionError, afterAction } from './kit.js';

/** The Connections tab's handlers: the list, the add form, enable / disable / delete of stored ones. */

export async function showConnections(ctx: Context, _req: RequestInfo, view: AdminView): Promise<Response> {
  return html(
    renderConnections({
      frame: view.frame('connections', 'Connections'),
      admin: view.admin,
      csrf: view.csrf,
      connections: await listConnections(ctx),
    }),
  );
}

export async function showNewConnection(
  _ctx: Context,
  _req: RequestInfo,
  view: AdminView,
): Promise<Response> {
  return html(
    renderNewConnection({
      frame: view.frame('connections', 'Add connection'),
      admin: view.admin,
      csrf: view.csrf,
      values: {},
    }),
  );
}

const FIELDS = {
  oidc: ['issuer', 'client_id', 'client_secret'],
  saml: ['metadata_url', 'metadata_xml'],
} as const;

const words = (value: string | undefined) => (value ?? '').split(/\s+/).filter(Boolean);

/** The form as a definition of the configuration's shape: empty fields left out, the schema decides. */
function definitionFrom(params: Params): Record<string, unknown> {
  const type = params.get('type') === 'saml' ? 'saml' : 'oidc';
  const d: Record<string, unknown> = { id: params.get('id') ?? '', type, name: params.get('name') ?? '' };
  for (const name of FIELDS[type]) {
    const value = params.get(name)?.trim();
    if (value) d[name] = value;
  }
  if (type === 'oidc' && words(params.get('scopes')).length) d['scopes'] = words(params.get('scopes'));
  if (words(params.get('domains')).length) d['domains'] = words(params.get('domains'));
  d['trustEmailVerified'] = params.get('trustEmailVerified') === 'yes';
  d['signup'] = params.get('signup') === 'yes';
  if (params.get('allowLoopback') === 'yes') d['allowLoopback'] = true;
  return d;
}

export async function handleCreateConnection(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  try {
    await createConnection(ctx, definitionFrom(params), view.actor);
    return afterAction(`${view.admin}/connections`, 'connection-create');
  } catch (error) {
    if (!(error instanceof OAuthError) || error.status >= 500) throw error;
    const values: Record<string, string> = {};
    for (const name of [
      'type',
      'id',
      'name',
      'issuer',
      'client_id',
      'scopes',
      'metadata_url',
      'metadata_xml',
      'domains',
    ])
      values[name] = params.get(name) ?? '';
    for (const name of ['trustEmailVerified', 'signup', 'allowLoopback'])
      values[name] = params.get(name) === 'yes' ? 'yes' : 'no';
    return html(
      renderNewConnection({
        frame: view.frame('connections', 'Add connection', { error: error.description }),
        admin: view.admin,
        csrf: view.csrf,
        values,
      }),
      { status: error.status === 409 ? 409 : 400 },
    );
  }
}

export async function handleConnectionAction(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const op = params.get('op') ?? '';
  const id = params.get('id') ?? '';
  const back = `${view.admin}/connections`;
  try {
    const connection = await getConnection(ctx, id);
    if (op === 'delete' && params.get('confirmed') !== 'yes') {
      return html(
        renderConfirm({
          frame: view.frame('connections', 'Delete this connection?'),
          heading: 'Delete this connection?',
          subject: `${connection.name} (${connection.id})`,
          consequences: [
            'Its button leaves the sign-in page and sign-ins under way through it fail.',
            'Accounts linked through it stay; they can sign in again if it is added back.',
          ],
          action: `${view.admin}/connections/action`,
          fields: { csrf: view.csrf, op, id },
          button: 'Delete connection',
          cancelHref: back,
        }),
      );
    }
    if (op === 'enable' || op === 'disable') await setConnectionEnabled(ctx, id, op === 'enable', view.actor);
    else if (op === 'delete') await deleteConnection(ctx, id, view.actor);
    else throw new OAuthError('invalid_request', 'unknown action');
    return afterAction(back, `connection-${op}`);
  } catch (error) {
    return actionError(view, 'connections', error, back);
  }
}
