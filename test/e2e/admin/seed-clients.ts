import type { KyselyStore } from '../../../src/store/kysely-store.js';
import { clientToRow } from '../../../src/store/mappers.js';
import type { ClientRecord, Store } from '../../../src/store/types.js';

/**
 * Inserts `count` clients in multi-row INSERTs (500 rows each, under SQLite's bound-variable limit),
 * inside one transaction: 100,000 rows take seconds, not minutes. A third are DCR, a third CIMD,
 * a third preregistered; every tenth is disabled; every fifth is bound to `resource`.
 */
export async function seedClients(store: Store, count: number, resource: string, at: number): Promise<void> {
  const db = (store as KyselyStore).db;
  const lanes = ['dcr', 'cimd', 'preregistered'] as const;
  await db.transaction().execute(async (tx) => {
    for (let start = 0; start < count; start += 500) {
      const rows = [];
      for (let i = start; i < Math.min(count, start + 500); i++) {
        const source = lanes[i % 3]!;
        const id = String(i).padStart(6, '0');
        const client: ClientRecord = {
          client_id: source === 'cimd' ? `https://tool${id}.example/client.json` : `${source}_${id}`,
          source,
          client_name: `Seeded tool ${id}`,
          redirect_uris: ['http://127.0.0.1/callback'],
          post_logout_redirect_uris: [],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
          application_type: 'native',
          scope: null,
          resources: i % 5 === 0 ? [resource] : [],
          introspect: [],
          first_party: false,
          secretHash: null,
          metadata: {},
          createdAt: at + i,
          updatedAt: at + i,
          lastUsedAt: null,
          disabledAt: i % 10 === 0 ? at : null,
          disabledReason: i % 10 === 0 ? 'seeded' : null,
        };
        rows.push(clientToRow(client));
      }
      await tx.insertInto('gatehouse_clients').values(rows).execute();
    }
  });
}
