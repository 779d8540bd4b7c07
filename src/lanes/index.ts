import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { ClientRecord } from '../store/types.js';
import { matchRedirectUri } from './redirect-uri.js';

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

/**
 * `ip` is the requester's address: document fetches it triggers count against it. Not an async function:
 * a stored client (every token request of a preregistered client) is one continuation of the store's
 * promise, not another awaiting frame.
 */
export function resolveClient(
  ctx: Context,
  clientId: string,
  ip: string | null = null,
): Promise<ClientResolution> {
  if (isUrlClientId(clientId)) return resolveDocumentClient(ctx, clientId, ip);
  // Promise.resolve: a Store of one's own that answers getClient with a plain value still works.
  return Promise.resolve(ctx.store.getClient(clientId)).then(usableClient);
}

async function resolveDocumentClient(
  ctx: Context,
  clientId: string,
  ip: string | null,
): Promise<ClientResolution> {
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
  return usableClient(resolution.client);
}

/** Whichever lane found it: an unknown or disabled client is not resolved. */
function usableClient(client: ClientRecord | undefined): ClientResolution {
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

/**
 * The client may have been disabled, or its redirect URIs changed, while the user was signing in:
 * check again before redirecting anywhere.
 */
export async function reverifyClient(
  ctx: Context,
  clientId: string,
  redirectUri: string,
  ip: string | null,
): Promise<ClientRecord> {
  const resolution = await resolveClient(ctx, clientId, ip);
  if (!resolution.ok) throw new OAuthError('unauthorized_client', resolution.message);
  if (!matchRedirectUri(resolution.client.redirect_uris, redirectUri)) {
    throw new OAuthError(
      'invalid_request',
      'The address this request wants to return to is no longer registered.',
    );
  }
  return resolution.client;
}
