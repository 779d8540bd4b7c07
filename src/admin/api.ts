import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { readBody } from '../http/params.js';
import { jsonNoStore } from '../http/respond.js';
import type { ClientRecord, ClientSource } from '../store/types.js';
import { type AdminActor, authenticateAdmin } from './auth.js';
import { decideStagedChange, pinCimdClient } from './cimd.js';
import {
  cleanupStaleClients,
  deleteClient,
  disableClient,
  enableClient,
  revokeClientSessions,
} from './lifecycle.js';

/**
 * The admin JSON API under `{issuer}/admin/api/`. Path segments are percent-decoded, so URL client_ids
 * (CIMD) are addressed as `/admin/api/clients/{encodeURIComponent(client_id)}`.
 * @see docs/admin-api.md
 */
type Handler = (ctx: Context, req: RequestInfo, actor: AdminActor, params: string[]) => Promise<Response>;

interface Route {
  method: string;
  pattern: string[];
  handler: Handler;
}

const routes: Route[] = [];
const route = (method: string, path: string, handler: Handler) =>
  routes.push({ method, pattern: path.split('/'), handler });

/** A client as the admin API shows it: never the secret hash. */
export function presentClient(client: ClientRecord): Record<string, unknown> {
  const { secretHash, metadata, ...rest } = client;
  return { ...rest, has_secret: secretHash !== null, metadata };
}

async function jsonBody(req: RequestInfo): Promise<Record<string, unknown>> {
  const text = await readBody(req.request, 64 * 1024);
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {}
  throw new OAuthError('invalid_request', 'the body must be a JSON object');
}

async function existing(ctx: Context, clientId: string): Promise<ClientRecord> {
  const client = await ctx.store.getClient(clientId);
  if (!client) throw new OAuthError('not_found', `no client ${clientId}`);
  return client;
}

route('GET', 'clients', async (ctx, req) => {
  const q = req.url.searchParams;
  const source = q.get('source');
  if (source !== null && !['preregistered', 'cimd', 'dcr'].includes(source)) {
    throw new OAuthError('invalid_request', 'source must be preregistered, cimd or dcr');
  }
  const status = q.get('status');
  if (status !== null && status !== 'active' && status !== 'disabled') {
    throw new OAuthError('invalid_request', 'status must be active or disabled');
  }
  const limit = Math.min(Math.max(Number(q.get('limit') ?? 50) || 50, 1), 500);
  const clients = await ctx.store.listClients({
    ...(source ? { source: source as ClientSource } : {}),
    ...(status ? { status } : {}),
    ...(q.get('q') ? { text: q.get('q')! } : {}),
    ...(q.get('after') ? { after: q.get('after')! } : {}),
    limit,
  });
  const next = clients.length === limit ? clients[clients.length - 1]!.client_id : null;
  return jsonNoStore({ clients: clients.map(presentClient), next });
});

route('GET', 'clients/:id', async (ctx, _req, _actor, [id]) => {
  const client = await existing(ctx, id!);
  const grants = await ctx.store.listGrants({ clientId: client.client_id, activeOnly: true });
  const events = await ctx.store.listAuditEvents({ clientId: client.client_id, limit: 20 });
  return jsonNoStore({ client: presentClient(client), active_grants: grants.length, recent_events: events });
});

route('POST', 'clients/:id/disable', async (ctx, req, actor, [id]) => {
  const body = await jsonBody(req);
  const reason =
    typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 500) : undefined;
  if (!reason) throw new OAuthError('invalid_request', 'a "reason" is required to disable a client');
  await existing(ctx, id!);
  const grantsRevoked = await disableClient(ctx, id!, reason, actor.id);
  return jsonNoStore({ client: presentClient(await existing(ctx, id!)), grants_revoked: grantsRevoked });
});

route('POST', 'clients/:id/enable', async (ctx, _req, actor, [id]) => {
  await existing(ctx, id!);
  await enableClient(ctx, id!, actor.id);
  return jsonNoStore({ client: presentClient(await existing(ctx, id!)) });
});

route('POST', 'clients/:id/revoke-sessions', async (ctx, _req, actor, [id]) => {
  await existing(ctx, id!);
  return jsonNoStore({ grants_revoked: await revokeClientSessions(ctx, id!, actor.id) });
});

route('DELETE', 'clients/:id', async (ctx, _req, actor, [id]) => {
  await existing(ctx, id!);
  await deleteClient(ctx, id!, actor.id);
  return new Response(null, { status: 204 });
});

route('POST', 'clients/:id/cimd/pin', async (ctx, req, actor, [id]) => {
  const body = await jsonBody(req);
  if (typeof body.pinned !== 'boolean')
    throw new OAuthError('invalid_request', '"pinned" must be true or false');
  return jsonNoStore({ client: presentClient(await pinCimdClient(ctx, id!, body.pinned, actor.id)) });
});

route('POST', 'clients/:id/cimd/approve', async (ctx, _req, actor, [id]) =>
  jsonNoStore({ client: presentClient(await decideStagedChange(ctx, id!, 'approve', actor.id)) }),
);

route('POST', 'clients/:id/cimd/reject', async (ctx, _req, actor, [id]) =>
  jsonNoStore({ client: presentClient(await decideStagedChange(ctx, id!, 'reject', actor.id)) }),
);

route('POST', 'maintenance/cleanup-stale-clients', async (ctx, _req, actor) => {
  const deleted = await cleanupStaleClients(ctx);
  await ctx.audit({ type: 'maintenance.cleanup', actor: actor.id, detail: { deleted } });
  return jsonNoStore({ deleted });
});

route('GET', 'audit', async (ctx, req) => {
  const q = req.url.searchParams;
  const num = (name: string) => {
    const value = q.get(name);
    if (value === null) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new OAuthError('invalid_request', `${name} must be a number`);
    return n;
  };
  const events = await ctx.store.listAuditEvents({
    ...(q.get('type') ? { type: q.get('type')! } : {}),
    ...(q.get('client_id') ? { clientId: q.get('client_id')! } : {}),
    ...(q.get('user_id') ? { userId: q.get('user_id')! } : {}),
    since: num('since'),
    until: num('until'),
    before: num('before'),
    limit: num('limit') ?? 100,
  });
  const next = events.length ? events[events.length - 1]!.id : null;
  return jsonNoStore({ events, next });
});

export async function handleAdminApi(ctx: Context, req: RequestInfo): Promise<Response> {
  const prefix = `${ctx.config.issuerPath}/admin/api/`;
  let segments: string[];
  try {
    segments = req.url.pathname.slice(prefix.length).split('/').map(decodeURIComponent);
  } catch {
    throw new OAuthError('not_found', 'no such admin endpoint');
  }
  const matches = routes.filter(
    (r) =>
      r.pattern.length === segments.length &&
      r.pattern.every((p, i) => p.startsWith(':') || p === segments[i]),
  );
  if (matches.length === 0) throw new OAuthError('not_found', 'no such admin endpoint');
  const found = matches.find((r) => r.method === req.request.method);
  if (!found) {
    throw new OAuthError('method_not_allowed', `${req.request.method} is not allowed here`, {
      headers: { allow: matches.map((r) => r.method).join(', ') },
    });
  }
  const actor = await authenticateAdmin(ctx, req);
  const params = found.pattern.flatMap((p, i) => (p.startsWith(':') ? [segments[i]!] : []));
  return found.handler(ctx, req, actor, params);
}
