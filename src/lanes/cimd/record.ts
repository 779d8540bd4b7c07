import { responseTypesFor } from '../../config/client-defaults.js';
import type { ClientRecord } from '../../store/types.js';
import type { CimdMetadata } from './document.js';

/** What the database keeps about a document, in `ClientRecord.metadata.cimd`. */
export interface CimdCacheState {
  document: CimdMetadata;
  fetchedAt: number;
  expiresAt: number;
  etag?: string;
  lastModified?: string;
  /** Pinned by an administrator: security-relevant changes wait for approval. */
  pinned?: boolean;
  /** A changed document waiting for approval (pinned clients only). */
  pending?: { document: CimdMetadata; fetchedAt: number };
}

export function cimdState(client: ClientRecord): CimdCacheState | undefined {
  return client.metadata.cimd as CimdCacheState | undefined;
}

export function clientRecordFromDocument(
  clientId: string,
  state: CimdCacheState,
  cached: ClientRecord | undefined,
  at: number,
): ClientRecord {
  const d = state.document;
  return {
    client_id: clientId,
    source: 'cimd',
    client_name: d.client_name,
    redirect_uris: d.redirect_uris,
    post_logout_redirect_uris: [],
    grant_types: d.grant_types,
    response_types: responseTypesFor(d.grant_types),
    token_endpoint_auth_method: d.token_endpoint_auth_method,
    application_type: d.application_type,
    scope: null,
    resources: [],
    introspect: [],
    first_party: false,
    secretHash: null,
    metadata: withClientKeys({ ...(cached?.metadata ?? {}), cimd: state }, d.keys),
    createdAt: cached?.createdAt ?? at,
    updatedAt: at,
    lastUsedAt: cached?.lastUsedAt ?? null,
    disabledAt: cached?.disabledAt ?? null,
    disabledReason: cached?.disabledReason ?? null,
  };
}

/** The document's keys as every lane keeps them (src/lanes/client-keys.ts); none when it has none. */
function withClientKeys(metadata: Record<string, unknown>, keys: CimdMetadata['keys']) {
  const { clientKeys: _previous, ...rest } = metadata;
  return keys ? { ...rest, clientKeys: keys } : rest;
}
