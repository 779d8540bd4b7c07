import type { ClientRecord, Store } from './types.js';

/**
 * A read-through cache of client records in front of the store, for the token endpoint's hot path
 * (every request authenticates its client). Writes made through this instance invalidate their entry
 * at once; a change made by another instance is seen within `ttlMs`. `touchClient` is coalesced here
 * too, so a busy client costs no write per request. Everything else passes straight through.
 */
export function withClientCache(
  store: Store,
  options: { ttlMs: number; clock: () => number; touchEveryMs?: number },
): Store {
  const entries = new Map<string, { client: ClientRecord; until: number }>();
  const touched = new Map<string, number>();
  const touchEveryMs = options.touchEveryMs ?? 60_000;
  const MAX_ENTRIES = 10_000;
  const forget = (clientId: unknown) => {
    if (typeof clientId === 'string') entries.delete(clientId);
  };
  const cached: Partial<Store> = {
    async getClient(clientId) {
      const now = options.clock();
      const hit = entries.get(clientId);
      if (hit && hit.until > now) return hit.client;
      const client = await store.getClient(clientId);
      if (client) {
        if (entries.size >= MAX_ENTRIES) entries.clear();
        entries.set(clientId, { client, until: now + options.ttlMs });
      } else {
        entries.delete(clientId);
      }
      return client;
    },
    async createClient(client) {
      forget(client.client_id);
      return store.createClient(client);
    },
    async upsertClient(client) {
      forget(client.client_id);
      await store.upsertClient(client);
      forget(client.client_id);
    },
    async updateClient(clientId, patch) {
      forget(clientId);
      const result = await store.updateClient(clientId, patch);
      forget(clientId);
      return result;
    },
    async deleteClient(clientId) {
      forget(clientId);
      const result = await store.deleteClient(clientId);
      forget(clientId);
      return result;
    },
    async deleteUnusedCimdClients(unusedBefore, at, limit) {
      const deleted = await store.deleteUnusedCimdClients(unusedBefore, at, limit);
      for (const clientId of deleted) forget(clientId);
      return deleted;
    },
    async touchClient(clientId, at) {
      const last = touched.get(clientId);
      if (last !== undefined && at - last < touchEveryMs) return;
      if (touched.size >= MAX_ENTRIES) touched.clear();
      touched.set(clientId, at);
      await store.touchClient(clientId, at);
    },
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in cached) return cached[property as keyof Store];
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
