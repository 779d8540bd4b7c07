import type { Context, RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { Params } from '../../http/params.js';
import { html } from '../../http/respond.js';
import { decideStagedChange, pinCimdClient } from '../../operations/cimd.js';
import {
  clientDetail,
  createPreregisteredClient,
  editClient,
  getClient,
  listClientsPage,
  type NewClientInput,
  rotateClientSecret,
} from '../../operations/clients.js';
import {
  deleteClient,
  disableClient,
  enableClient,
  revokeClientSessions,
} from '../../operations/lifecycle.js';
import { parseClientQuery } from '../../operations/queries.js';
import { editableResources } from '../../operations/resources.js';
import type { ClientView } from '../../operations/views.js';
import { renderNewClient } from '../../pages/admin/client-new.js';
import { renderClients } from '../../pages/admin/clients.js';
import { renderConfirm, renderResult } from '../../pages/admin/confirm.js';
import { type AdminView, actionError, afterAction, returnPath } from './kit.js';

/** The Clients tab's handlers: list + detail panel, create, and the lifecycle actions. */

export async function showClients(ctx: Context, req: RequestInfo, view: AdminView): Promise<Response> {
  const q = req.url.searchParams;
  const query = parseClientQuery(q);
  const page = await listClientsPage(ctx, { ...query, limit: Math.min(query.limit, 100) });
  const selectedId = q.get('client');
  const selected = selectedId ? await clientDetail(ctx, selectedId).catch(() => undefined) : undefined;
  return html(
    renderClients({
      frame: view.frame(
        'clients',
        selected ? `${selected.client.client_name ?? selected.client.client_id} · Clients` : 'Clients',
      ),
      admin: view.admin,
      csrf: view.csrf,
      filters: { q: query.text, source: query.source, status: query.status, resource: query.resource },
      resources: await editableResources(ctx),
      clients: page.clients,
      next: page.next,
      paged: Boolean(query.after),
      ...(selected ? { selected } : {}),
    }),
  );
}

export async function showNewClient(ctx: Context, _req: RequestInfo, view: AdminView): Promise<Response> {
  return html(
    renderNewClient({
      frame: view.frame('clients', 'Create client'),
      admin: view.admin,
      csrf: view.csrf,
      resources: await editableResources(ctx),
      values: {},
    }),
  );
}

const lines = (text: string | undefined) =>
  (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

export async function handleCreateClient(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const kind = params.get('kind') ?? 'public';
  const values = {
    name: params.get('client_name'),
    kind,
    redirect_uris: params.get('redirect_uris'),
    scope: params.get('scope'),
    resources: params.all('resources'),
    jwks_uri: params.get('jwks_uri')?.trim() ?? '',
  };
  // A key set URL makes a confidential or machine client a private_key_jwt one (no secret).
  const withKeys = kind !== 'public' && values.jwks_uri !== '';
  const input: NewClientInput = { confidential: kind !== 'public' && !withKeys };
  if (withKeys)
    Object.assign(input, { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: values.jwks_uri });
  if (values.name) input.client_name = values.name;
  if (kind === 'machine') input.grant_types = ['client_credentials'];
  else input.redirect_uris = lines(values.redirect_uris);
  if (values.scope?.trim()) input.scope = values.scope.trim().replace(/\s+/g, ' ');
  if (values.resources.length) input.resources = values.resources;
  try {
    const { client, client_secret } = await createPreregisteredClient(ctx, input, view.actor);
    const detail = `${view.admin}/clients?client=${encodeURIComponent(client.client_id)}`;
    return html(
      renderResult({
        frame: view.frame('clients', 'Client created'),
        heading: 'Client created',
        message: `${client.client_name ?? client.client_id} can now use Gatehouse.`,
        ...(client_secret
          ? { secret: { label: 'Client secret', value: client_secret, clientId: client.client_id } }
          : {}),
        backHref: detail,
        backLabel: 'Open the client',
      }),
    );
  } catch (error) {
    if (!(error instanceof OAuthError) || error.status >= 500) throw error;
    return html(
      renderNewClient({
        frame: view.frame('clients', 'Create client', { error: error.description }),
        admin: view.admin,
        csrf: view.csrf,
        resources: await editableResources(ctx),
        values,
      }),
      { status: 400 },
    );
  }
}

const CONFIRM: Record<string, { heading: string; consequences: string[]; button: string }> = {
  disable: {
    heading: 'Disable this client?',
    consequences: [
      'Its grants and refresh tokens are revoked now; its next token request fails.',
      'Sign-in through it shows that it is disabled. You can enable it again later.',
    ],
    button: 'Disable client',
  },
  'revoke-sessions': {
    heading: 'Revoke every session of this client?',
    consequences: [
      "Every user's grants and refresh tokens for it are revoked, and their consent is forgotten.",
    ],
    button: 'Revoke sessions',
  },
  delete: {
    heading: 'Delete this client?',
    consequences: ['The client, its grants, tokens and consents are deleted. This cannot be undone.'],
    button: 'Delete client',
  },
  'rotate-secret': {
    heading: 'Rotate the client secret?',
    consequences: ['The current secret stops working at once.', 'The new secret is shown once.'],
    button: 'Rotate secret',
  },
};

/** The confirmation step of a consequential client action (the form posts again with confirmed=yes). */
function confirmPage(
  view: AdminView,
  confirm: { heading: string; consequences: string[]; button: string },
  a: { op: string; client: ClientView; params: Params; back: string },
): Response {
  const { op, client, params, back } = a;
  const id = client.client_id;
  return html(
    renderConfirm({
      frame: view.frame('clients', confirm.heading),
      heading: confirm.heading,
      subject: client.client_name ? `${client.client_name} (${client.client_id})` : client.client_id,
      consequences: confirm.consequences,
      action: `${view.admin}/clients/action`,
      fields: { csrf: view.csrf, op, client_id: id, return_to: back },
      button: confirm.button,
      cancelHref: back,
      ...(op === 'disable'
        ? { reason: { label: 'Reason (kept in the audit log)', value: params.get('reason') } }
        : {}),
    }),
  );
}

export async function handleClientAction(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const op = params.get('op') ?? '';
  const id = params.get('client_id') ?? '';
  const back = returnPath(view, params.get('return_to'), `${view.admin}/clients`);
  try {
    const client = await getClient(ctx, id);
    const confirm = Object.hasOwn(CONFIRM, op) ? CONFIRM[op] : undefined;
    if (confirm && (params.get('confirmed') !== 'yes' || (op === 'disable' && !params.get('reason'))))
      return confirmPage(view, confirm, { op, client, params, back });
    switch (op) {
      case 'disable':
        await disableClient(ctx, id, params.get('reason'), view.actor);
        break;
      case 'enable':
        await enableClient(ctx, id, view.actor);
        break;
      case 'revoke-sessions':
        await revokeClientSessions(ctx, id, view.actor);
        break;
      case 'delete':
        await deleteClient(ctx, id, view.actor);
        return afterAction(`${view.admin}/clients`, op);
      case 'rotate-secret': {
        const { client_secret } = await rotateClientSecret(ctx, id, view.actor);
        return html(
          renderResult({
            frame: view.frame('clients', 'Secret rotated'),
            heading: 'Secret rotated',
            message: 'The previous secret no longer works.',
            secret: { label: 'New client secret', value: client_secret, clientId: id },
            backHref: back,
            backLabel: 'Back to the client',
          }),
        );
      }
      case 'edit':
        await editClient(
          ctx,
          id,
          { redirect_uris: lines(params.get('redirect_uris')), scope: params.get('scope') ?? null },
          view.actor,
        );
        break;
      case 'cimd-approve':
        await decideStagedChange(ctx, id, 'approve', view.actor);
        break;
      case 'cimd-reject':
        await decideStagedChange(ctx, id, 'reject', view.actor);
        break;
      case 'cimd-pin':
      case 'cimd-unpin':
        await pinCimdClient(ctx, id, op === 'cimd-pin', view.actor);
        break;
      default:
        return actionError(view, 'clients', new OAuthError('invalid_request', 'unknown action'), back);
    }
    return afterAction(back, op);
  } catch (error) {
    return actionError(view, 'clients', error, back);
  }
}
