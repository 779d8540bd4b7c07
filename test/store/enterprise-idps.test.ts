/** The stored enterprise IdPs of issue 17 (migration 0015), on SQLite and PostgreSQL. */
import { describe, expect, it } from 'vitest';
import type { EnterpriseIdpRecord, Store } from '../../src/store/types.js';
import { UniqueViolation } from '../../src/store/types.js';
import { postgresBackend, sqliteBackend, twoInstances } from './backends.js';

const AT = 1_800_000_000_000;

function idp(issuer: string, overrides: Partial<EnterpriseIdpRecord> = {}): EnterpriseIdpRecord {
  return {
    issuer,
    definition: JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, subject: 'sub' }),
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

describe.each([sqliteBackend(), postgresBackend()])('enterprise IdPs on $name', (backend) => {
  let store: Store;
  let other: Store;

  twoInstances(backend, (a, b) => {
    store = a;
    other = b;
  });

  it('stores IdPs and lists them oldest first, as another instance sees them', async () => {
    await store.createEnterpriseIdp(idp('https://b.example', { createdAt: AT + 1 }));
    await store.createEnterpriseIdp(idp('https://a.example'));
    expect(await other.listEnterpriseIdps()).toEqual([
      idp('https://a.example'),
      idp('https://b.example', { createdAt: AT + 1 }),
    ]);
  });

  it('refuses a second IdP with the same issuer, whoever writes it (one of two racing creators wins)', async () => {
    await expect(other.createEnterpriseIdp(idp('https://a.example'))).rejects.toBeInstanceOf(UniqueViolation);
    const results = await Promise.allSettled([
      store.createEnterpriseIdp(idp('https://race.example')),
      other.createEnterpriseIdp(idp('https://race.example')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('replaces the definition but keeps when it was created; an unknown issuer is reported', async () => {
    const changed = idp('https://b.example', {
      definition: '{"changed":true}',
      createdAt: AT + 9,
      updatedAt: AT + 5,
    });
    expect(await store.updateEnterpriseIdp(changed)).toBe(true);
    const b = (await other.listEnterpriseIdps()).find((r) => r.issuer === 'https://b.example');
    expect(b).toEqual({ ...changed, createdAt: AT + 1 });
    expect(await store.updateEnterpriseIdp(idp('https://nobody.example'))).toBe(false);
  });

  it('deletes an IdP once', async () => {
    expect(await store.deleteEnterpriseIdp('https://a.example')).toBe(true);
    expect(await other.deleteEnterpriseIdp('https://a.example')).toBe(false);
    expect((await store.listEnterpriseIdps()).map((r) => r.issuer)).not.toContain('https://a.example');
  });
});
