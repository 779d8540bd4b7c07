import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientCache, withClientCache } from '../../src/store/client-cache.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { makeClient } from './fixtures.js';

describe('the client cache in front of the store', () => {
  let dir: string;
  let rawA: Store;
  let rawB: Store;
  let now = 1_800_000_000_000;
  const clock = () => now;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cache-'));
    rawA = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
    await rawA.migrate();
    rawB = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
  });
  afterAll(async () => {
    await rawA.close();
    await rawB.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("sees another instance's change within the TTL, and its own changes at once", async () => {
    const a = withClientCache(rawA, { ttlMs: 5000, clock });
    const b = withClientCache(rawB, { ttlMs: 5000, clock });
    const client = makeClient();
    await a.createClient(client);
    expect((await a.getClient(client.client_id))?.disabledAt).toBeNull();
    await b.updateClient(client.client_id, { disabledAt: now, disabledReason: 'test' });
    expect((await b.getClient(client.client_id))?.disabledAt).toBe(now);
    // Instance A still serves its cached copy until the TTL passes.
    expect((await a.getClient(client.client_id))?.disabledAt).toBeNull();
    now += 5001;
    expect((await a.getClient(client.client_id))?.disabledAt).toBe(now - 5001);
    await a.updateClient(client.client_id, { disabledAt: null, disabledReason: null });
    expect((await a.getClient(client.client_id))?.disabledAt).toBeNull();
    await a.deleteClient(client.client_id);
    expect(await a.getClient(client.client_id)).toBeUndefined();
  });

  it('does not cache a missing client', async () => {
    const a = withClientCache(rawA, { ttlMs: 5000, clock });
    const client = makeClient();
    expect(await a.getClient(client.client_id)).toBeUndefined();
    await rawB.createClient(client);
    expect(await a.getClient(client.client_id)).toBeDefined();
  });

  it('coalesces touchClient: one write per client per interval', async () => {
    let writes = 0;
    const cache = new ClientCache(
      {
        getClient: (id) => rawA.getClient(id),
        createClient: (client) => rawA.createClient(client),
        upsertClient: (client) => rawA.upsertClient(client),
        updateClient: (id, patch) => rawA.updateClient(id, patch),
        deleteClient: (id) => rawA.deleteClient(id),
        deleteUnusedCimdClients: (before, at, limit) => rawA.deleteUnusedCimdClients(before, at, limit),
        touchClient: (id, at) => {
          writes++;
          return rawA.touchClient(id, at);
        },
      },
      { ttlMs: 5000, clock },
    );
    const client = makeClient();
    await cache.createClient(client);
    for (let i = 0; i < 100; i++) await cache.touchClient(client.client_id, now + i * 100);
    expect(writes).toBe(1);
    await cache.touchClient(client.client_id, now + 60_000);
    expect(writes).toBe(2);
  });

  it('does not cache a row read before an announced change: a client disabled elsewhere mid-read is not served enabled for the TTL', async () => {
    // A store of its own: withClientCache above put a cache inside rawA.
    const raw = await openStore(`sqlite:${join(dir, 'db.sqlite')}`);
    const client = makeClient();
    await raw.createClient(client);
    let announce: ((clientId?: string) => void) | undefined;
    let releaseRead: (() => void) | undefined;
    const cache = new ClientCache(
      {
        // The read fetches the row, then waits: the change lands and is announced meanwhile.
        getClient: async (id) => {
          const row = await raw.getClient(id);
          await new Promise<void>((resolve) => {
            releaseRead = resolve;
          });
          return row;
        },
        createClient: (c) => rawA.createClient(c),
        upsertClient: (c) => rawA.upsertClient(c),
        updateClient: (id, patch) => rawA.updateClient(id, patch),
        deleteClient: (id) => rawA.deleteClient(id),
        deleteUnusedCimdClients: (before, at, limit) => rawA.deleteUnusedCimdClients(before, at, limit),
        touchClient: (id, at) => rawA.touchClient(id, at),
      },
      {
        ttlMs: 300_000,
        clock,
        peers: { announce: async () => {}, subscribe: (onChange) => (announce = onChange) },
      },
    );
    for (const notice of [client.client_id, undefined]) {
      const read = cache.getClient(client.client_id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await rawB.updateClient(client.client_id, { disabledAt: now, disabledReason: 'leaked' });
      announce!(notice); // one client's notice, then a reconnect's "forget everything"
      releaseRead!();
      expect((await read)?.disabledAt).toBeNull(); // the answer to a read begun before the change
      const after = cache.getClient(client.client_id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      releaseRead!();
      expect((await after)?.disabledAt).toBe(now); // not the stale copy
      await rawB.updateClient(client.client_id, { disabledAt: null, disabledReason: null });
      announce!(client.client_id);
    }
    await raw.close();
  });
});
