import { responseTypesFor } from '../config/client-defaults.js';
import type { ResolvedClientSeed } from '../config/resolve.js';
import { sanitiseDisplayName } from '../display-name.js';
import type { ClientRecord, Store } from '../store/types.js';
import { hashSecret, randomToken } from '../tokens/crypto.js';

/**
 * Lane 1: clients the team owns. Seeded from configuration at start (upserted, so a config change takes
 * effect on restart; an admin's disable survives it) or created through the CLI and admin API.
 */

export function clientRecordFromSeed(seed: ResolvedClientSeed, at: number): ClientRecord {
  return {
    client_id: seed.client_id,
    source: 'preregistered',
    client_name: seed.client_name === null ? null : sanitiseDisplayName(seed.client_name) || null,
    redirect_uris: seed.redirect_uris,
    post_logout_redirect_uris: seed.post_logout_redirect_uris,
    grant_types: seed.grant_types,
    response_types: responseTypesFor(seed.grant_types),
    token_endpoint_auth_method: seed.token_endpoint_auth_method,
    application_type: seed.application_type,
    scope: seed.scope,
    resources: seed.resources,
    introspect: seed.introspect,
    first_party: seed.first_party,
    secretHash: seed.client_secret ? hashSecret(seed.client_secret) : null,
    metadata: {
      seeded: true,
      ...(seed.clientKeys ? { clientKeys: seed.clientKeys } : {}),
      ...(seed.dpop_bound_access_tokens ? { dpop_bound_access_tokens: true } : {}),
    },
    createdAt: at,
    updatedAt: at,
    lastUsedAt: null,
    disabledAt: null,
    disabledReason: null,
  };
}

export async function seedClients(
  store: Store,
  seeds: readonly ResolvedClientSeed[],
  at: number,
): Promise<void> {
  for (const seed of seeds) await store.upsertClient(clientRecordFromSeed(seed, at));
}

/** A new client secret: 256 bits, shown once; only its hash is stored. */
export function generateClientSecret(): string {
  return `ghsec_${randomToken(32)}`;
}

/** A new client_id: never `https://` (CIMD-01 §6.9) and never a user subject (`usr_`). */
export function generateClientId(): string {
  return `gh_${randomToken(12)}`;
}
