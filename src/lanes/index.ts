import type { Context } from '../context.js';
import type { ClientRecord } from '../store/types.js';

/**
 * Client resolution: every lane ends in the same `ClientRecord` with a `source`, and everything after
 * this point is lane-agnostic. URL-shaped client_ids belong to the CIMD lane; anything else is looked
 * up in the store (preregistered and DCR clients).
 */
export type ClientResolution =
  | { ok: true; client: ClientRecord }
  | { ok: false; reason: 'unknown' | 'disabled' | 'lane_disabled' | 'document_refused'; message: string };

export function isUrlClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

/** `ip` is the requester's address: document fetches it triggers count against it. */
export async function resolveClient(
  ctx: Context,
  clientId: string,
  ip: string | null = null,
): Promise<ClientResolution> {
  let client: ClientRecord | undefined;
  if (isUrlClientId(clientId)) {
    if (!ctx.cimd) {
      return {
        ok: false,
        reason: 'lane_disabled',
        message: 'This server does not accept client ID metadata documents (URL client IDs).',
      };
    }
    const resolution = await ctx.cimd.resolve(clientId, ip);
    if (!resolution.ok) {
      return {
        ok: false,
        reason: 'document_refused',
        message: `The application's metadata could not be used: ${resolution.reason}.`,
      };
    }
    client = resolution.client;
  } else {
    client = await ctx.store.getClient(clientId);
  }
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
