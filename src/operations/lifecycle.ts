import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { getClient, requireClient } from './clients.js';
import type { ClientView } from './views.js';

/**
 * Client lifecycle controls, shared by the CLI, the admin API and the dashboard. Each is audited with
 * the acting administrator.
 */

/** The reason every surface must give to disable a client: kept in the audit log, shown at /authorize. */
function disableReason(value: unknown): string {
  const reason = typeof value === 'string' && value.trim() ? value.trim().slice(0, 500) : undefined;
  if (!reason) throw new OAuthError('invalid_request', 'a "reason" is required to disable a client');
  return reason;
}

/** Disables a client: /authorize shows why, /token refuses it, and its grants and refresh tokens are revoked. */
export async function disableClient(
  ctx: Context,
  clientId: string,
  reasonInput: unknown,
  actor: string,
): Promise<{ client: ClientView; grantsRevoked: number }> {
  const reason = disableReason(reasonInput);
  await requireClient(ctx, clientId);
  const at = ctx.now();
  await ctx.store.updateClient(clientId, { disabledAt: at, disabledReason: reason, updatedAt: at });
  const grants = await ctx.store.revokeGrants({ clientId }, at, `client disabled: ${reason}`);
  await ctx.audit({ type: 'client.disabled', clientId, actor, detail: { reason, grantsRevoked: grants } });
  return { client: await getClient(ctx, clientId), grantsRevoked: grants };
}

export async function enableClient(ctx: Context, clientId: string, actor: string): Promise<ClientView> {
  await requireClient(ctx, clientId);
  await ctx.store.updateClient(clientId, { disabledAt: null, disabledReason: null, updatedAt: ctx.now() });
  await ctx.audit({ type: 'client.enabled', clientId, actor });
  return getClient(ctx, clientId);
}

/** Signs every user out of the client: grants (and refresh tokens) revoked, remembered consent forgotten. */
export async function revokeClientSessions(ctx: Context, clientId: string, actor: string): Promise<number> {
  await requireClient(ctx, clientId);
  const at = ctx.now();
  const grants = await ctx.store.revokeGrants({ clientId }, at, `sessions revoked by ${actor}`);
  await ctx.store.deleteConsents({ clientId });
  await ctx.audit({ type: 'client.sessions_revoked', clientId, actor, detail: { grantsRevoked: grants } });
  return grants;
}

/** Deletes the client with every dependent row. */
export async function deleteClient(ctx: Context, clientId: string, actor: string): Promise<void> {
  const client = await requireClient(ctx, clientId);
  await ctx.store.deleteClient(clientId);
  await ctx.audit({ type: 'client.deleted', clientId, actor, detail: { source: client.source } });
}

/**
 * Deletes dynamically registered clients unused for `dcr.staleAfterDays` (never-used ones counted from
 * registration), with their grants, tokens and consents. A client used within the period is never
 * removed. Runs with the periodic housekeeping; returns how many were deleted.
 */
export async function cleanupStaleClients(ctx: Context): Promise<number> {
  const before = ctx.now() - ctx.config.dcr.staleAfterMs;
  let deleted = 0;
  for (;;) {
    const stale = await ctx.store.listStaleClients('dcr', before, 200);
    if (stale.length === 0) return deleted;
    for (const client of stale) {
      await ctx.store.deleteClient(client.client_id);
      await ctx.audit({
        type: 'client.deleted',
        clientId: client.client_id,
        actor: 'cleanup',
        detail: {
          source: 'dcr',
          reason: 'stale',
          lastUsedAt: client.lastUsedAt,
          createdAt: client.createdAt,
        },
      });
      deleted++;
    }
  }
}
