import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { type CimdCacheState, cimdState, clientRecordFromDocument } from '../lanes/cimd/service.js';
import type { ClientRecord } from '../store/types.js';
import { type ClientView, presentClient } from './views.js';

/**
 * Administrator decisions about CIMD clients: pin a client (later changes to its redirect URIs or
 * authentication wait for approval), and approve or reject a staged change. Each is audited.
 */

async function cimdClient(
  ctx: Context,
  clientId: string,
): Promise<{ client: ClientRecord; state: CimdCacheState }> {
  const client = await ctx.store.getClient(clientId);
  const state = client ? cimdState(client) : undefined;
  if (client?.source !== 'cimd' || !state) throw new OAuthError('not_found', `no CIMD client ${clientId}`);
  return { client, state };
}

export async function pinCimdClient(
  ctx: Context,
  clientId: string,
  pinned: boolean,
  actor: string,
): Promise<ClientView> {
  const { client, state } = await cimdClient(ctx, clientId);
  const next: CimdCacheState = { ...state, pinned };
  if (!pinned) delete next.pending;
  const metadata = { ...client.metadata, cimd: next };
  await ctx.store.updateClient(clientId, { metadata, updatedAt: ctx.now() });
  await ctx.audit({ type: pinned ? 'cimd.pinned' : 'cimd.unpinned', clientId, actor });
  return presentClient({ ...client, metadata });
}

export async function decideStagedChange(
  ctx: Context,
  clientId: string,
  decision: 'approve' | 'reject',
  actor: string,
): Promise<ClientView> {
  const { client, state } = await cimdClient(ctx, clientId);
  if (!state.pending) throw new OAuthError('invalid_request', 'this client has no staged change');
  const at = ctx.now();
  let updated: ClientRecord;
  if (decision === 'approve') {
    const next: CimdCacheState = {
      ...state,
      document: state.pending.document,
      fetchedAt: state.pending.fetchedAt,
    };
    delete next.pending;
    updated = clientRecordFromDocument(clientId, next, client, at);
    await ctx.store.upsertClient(updated);
    // Consent was given for the old values.
    await ctx.store.deleteConsents({ clientId });
  } else {
    const next: CimdCacheState = { ...state };
    delete next.pending;
    updated = { ...client, metadata: { ...client.metadata, cimd: next }, updatedAt: at };
    await ctx.store.updateClient(clientId, { metadata: updated.metadata, updatedAt: at });
  }
  await ctx.audit({
    type: decision === 'approve' ? 'cimd.change_approved' : 'cimd.change_rejected',
    clientId,
    actor,
    detail: { redirect_uris: state.pending.document.redirect_uris },
  });
  return presentClient(updated);
}
