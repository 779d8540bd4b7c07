import type { Context } from '../context.js';
import type { ClientRecord } from '../store/types.js';

/**
 * Client resolution: every lane ends in the same `ClientRecord` with a `source`, and everything after
 * this point is lane-agnostic. URL-shaped client_ids belong to the CIMD lane; anything else is looked
 * up in the store (preregistered and DCR clients).
 */
export type ClientResolution =
  | { ok: true; client: ClientRecord }
  | { ok: false; reason: 'unknown' | 'disabled' | 'lane_disabled'; message: string };

export function isUrlClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

export async function resolveClient(ctx: Context, clientId: string): Promise<ClientResolution> {
  if (isUrlClientId(clientId) && !ctx.config.cimd.enabled) {
    return {
      ok: false,
      reason: 'lane_disabled',
      message: 'This server does not accept client ID metadata documents (URL client IDs).',
    };
  }
  const client = await ctx.store.getClient(clientId);
  if (!client)
    return { ok: false, reason: 'unknown', message: 'The application is not registered with this server.' };
  if (client.disabledAt !== null) {
    return {
      ok: false,
      reason: 'disabled',
      message: 'This application has been disabled by an administrator.',
    };
  }
  return { ok: true, client };
}
