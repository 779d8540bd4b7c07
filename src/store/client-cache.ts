import type { ClientPeers } from './client-peers.js';
import type { ClientRecord, Store } from './types.js';

/** The Store verbs the client cache answers or invalidates; every other verb goes straight to SQL. */
export type CachedClientVerbs = Pick<
  Store,
  | 'getClient'
  | 'createClient'
  | 'upsertClient'
  | 'updateClient'
  | 'deleteClient'
  | 'deleteUnusedCimdClients'
  | 'touchClient'
>;

export interface ClientCacheOptions {
  ttlMs: number;
  clock: () => number;
  /** At most one touchClient write per client per this interval (default one minute). */
  touchEveryMs?: number;
  /** Other instances on the same database, told of every write and telling of theirs (PostgreSQL). */
  peers?: ClientPeers;
}

const MAX_ENTRIES = 10_000;
const DONE: Promise<void> = Promise.resolve();

/**
 * A read-through cache of client records, for the token endpoint's hot path (every request
 * authenticates its client). Every write through this instance invalidates its entry, before and after
 * the write, and a read that began before an invalidation is not cached (it cannot re-cache the old row
 * past the change); a change made by another
 * instance is seen within `ttlMs`, or at once when the store has `peers` to tell (PostgreSQL: a
 * notification per write, src/store/client-peers.ts). `touchClient` is coalesced here too, so a busy client costs no write
 * per request.
 */
export class ClientCache implements CachedClientVerbs {
  readonly #entries = new Map<string, { client: ClientRecord; until: number }>();
  readonly #touched = new Map<string, number>();
  /**
   * Bumped by every invalidation. A read that began before one may have fetched the row as it was
   * before the change it announces, so it is answered but not cached: otherwise a client disabled at
   * another instance while this one was reading would stay enabled here for the whole TTL.
   */
  #generation = 0;

  constructor(
    private readonly inner: CachedClientVerbs,
    private readonly options: ClientCacheOptions,
  ) {
    options.peers?.subscribe((clientId) => {
      if (clientId !== undefined) return this.invalidate(clientId);
      this.#generation++;
      this.#entries.clear();
    });
  }

  /** Drops the cached copy of one client. */
  invalidate(clientId: string): void {
    this.#generation++;
    this.#entries.delete(clientId);
  }

  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    const now = this.options.clock();
    const hit = this.#entries.get(clientId);
    if (hit && hit.until > now) return hit.client;
    const generation = this.#generation;
    const client = await this.inner.getClient(clientId);
    if (!client) {
      this.#entries.delete(clientId);
      return undefined;
    }
    if (generation !== this.#generation) return client;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(clientId, { client, until: now + this.options.ttlMs });
    return client;
  }

  async #writing<T>(clientId: string, write: () => Promise<T>): Promise<T> {
    this.invalidate(clientId);
    try {
      return await write();
    } finally {
      this.invalidate(clientId);
      await this.options.peers?.announce(clientId);
    }
  }

  createClient(client: ClientRecord): Promise<void> {
    return this.#writing(client.client_id, () => this.inner.createClient(client));
  }

  upsertClient(client: ClientRecord): Promise<void> {
    return this.#writing(client.client_id, () => this.inner.upsertClient(client));
  }

  updateClient(clientId: string, patch: Parameters<Store['updateClient']>[1]): Promise<boolean> {
    return this.#writing(clientId, () => this.inner.updateClient(clientId, patch));
  }

  deleteClient(clientId: string): Promise<boolean> {
    return this.#writing(clientId, () => this.inner.deleteClient(clientId));
  }

  async deleteUnusedCimdClients(unusedBefore: number, at: number, limit: number): Promise<string[]> {
    const deleted = await this.inner.deleteUnusedCimdClients(unusedBefore, at, limit);
    for (const clientId of deleted) {
      this.invalidate(clientId);
      await this.options.peers?.announce(clientId);
    }
    return deleted;
  }

  /** Not an async function: the coalesced case (nearly every token request) answers one shared promise. */
  touchClient(clientId: string, at: number): Promise<void> {
    const last = this.#touched.get(clientId);
    if (last !== undefined && at - last < (this.options.touchEveryMs ?? 60_000)) return DONE;
    if (this.#touched.size >= MAX_ENTRIES) this.#touched.clear();
    this.#touched.set(clientId, at);
    return this.inner.touchClient(clientId, at);
  }
}

/**
 * Puts a client cache in front of `store`'s client verbs (src/gatehouse.ts). The built-in stores take
 * it inside (KyselyStore.cacheClients), so no other verb crosses a wrapper; a Store of your own is
 * returned as it is and caches as it sees fit.
 */
export function withClientCache(store: Store, options: ClientCacheOptions): Store {
  const cacheable = store as Store & { cacheClients?: (options: ClientCacheOptions) => void };
  cacheable.cacheClients?.(options);
  return store;
}
