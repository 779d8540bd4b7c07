/** The connection states and linked identities of issue 16, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { ConnectionStateRecord, Store } from '../../src/store/types.js';
import { UniqueViolation } from '../../src/store/types.js';
import { postgresBackend, sqliteBackend } from './backends.js';

const AT = 1_800_000_000_000;

function state(id: string, overrides: Partial<ConnectionStateRecord> = {}): ConnectionStateRecord {
  return {
    id,
    connectionId: 'corp',
    bindingHash: 'binding',
    interaction: 'sealed.interaction',
    returnTo: null,
    linkUserId: null,
    createdAt: AT,
    expiresAt: AT + 600_000,
    consumedAt: null,
    ...overrides,
  };
}

describe.each([sqliteBackend(), postgresBackend()])('connection store on $name', (backend) => {
  let store: Store;
  let other: Store;
  let userId: string;

  beforeAll(async () => {
    const url = await backend.freshUrl();
    store = await openStore(url);
    await store.migrate();
    other = await openStore(url);
    userId = 'usr_connections';
    await store.createUser({
      id: userId,
      email: 'c@example.com',
      passwordHash: '!',
      admin: false,
      emailVerified: false,
      createdAt: AT,
      disabledAt: null,
    });
  });
  afterAll(async () => {
    await store?.close();
    await other?.close();
    await backend.cleanup();
  });

  it('consumes a state once, only with its binding and before it expires', async () => {
    await store.createConnectionState(state('s1'));
    expect(await store.consumeConnectionState('s1', 'other-binding', AT)).toBeUndefined();
    expect(await store.consumeConnectionState('s1', 'binding', AT + 600_000)).toBeUndefined();
    const got = await store.consumeConnectionState('s1', 'binding', AT + 1);
    expect(got).toMatchObject({
      id: 's1',
      connectionId: 'corp',
      interaction: 'sealed.interaction',
      consumedAt: AT + 1,
    });
    expect(await store.consumeConnectionState('s1', 'binding', AT + 2)).toBeUndefined();
    expect((await store.getConnectionState('s1'))?.consumedAt).toBe(AT + 1);
  });

  it('lets exactly one of many concurrent callers on two connections consume a state', async () => {
    await store.createConnectionState(state('s2'));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? other : store).consumeConnectionState('s2', 'binding', AT + 5),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('purges expired states', async () => {
    await store.createConnectionState(state('s3', { expiresAt: AT + 10 }));
    await store.purgeExpired(AT + 11);
    expect(await store.getConnectionState('s3')).toBeUndefined();
  });

  it('links an identity once per (issuer, sub), lists, touches and removes it', async () => {
    const link = {
      issuer: 'https://idp.example',
      subject: 'sub-1',
      connectionId: 'corp',
      userId,
      email: 'c@example.com',
      createdAt: AT,
      lastUsedAt: null,
    };
    await store.createLinkedIdentity(link);
    await expect(store.createLinkedIdentity({ ...link, connectionId: 'again' })).rejects.toBeInstanceOf(
      UniqueViolation,
    );
    // Another issuer's identical sub is another identity.
    await store.createLinkedIdentity({ ...link, issuer: 'https://other.example' });
    await store.touchLinkedIdentity('https://idp.example', 'sub-1', AT + 9);
    expect(await store.getLinkedIdentity('https://idp.example', 'sub-1')).toEqual({
      ...link,
      lastUsedAt: AT + 9,
    });
    expect((await store.listLinkedIdentities(userId)).map((l) => l.issuer)).toEqual([
      'https://idp.example',
      'https://other.example',
    ]);
    expect(await store.deleteLinkedIdentity('usr_someone_else', 'https://idp.example', 'sub-1')).toBe(false);
    expect(await store.deleteLinkedIdentity(userId, 'https://idp.example', 'sub-1')).toBe(true);
    expect(await store.getLinkedIdentity('https://idp.example', 'sub-1')).toBeUndefined();
  });
});
