/** The stored connection definitions of issue 16 (migration 0017), on SQLite and PostgreSQL. */
import { describe, expect, it } from 'vitest';
import type { ConnectionDefinitionRecord, Store } from '../../src/store/types.js';
import { UniqueViolation } from '../../src/store/types.js';
import { postgresBackend, sqliteBackend, twoInstances } from './backends.js';

const AT = 1_800_000_000_000;

function definition(id: string, overrides: Partial<ConnectionDefinitionRecord> = {}) {
  return {
    id,
    type: 'oidc',
    definition: JSON.stringify({ id, type: 'oidc', name: `IdP ${id}` }),
    secretsEncrypted: 'sealed',
    enabled: true,
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  } satisfies ConnectionDefinitionRecord;
}

describe.each([sqliteBackend(), postgresBackend()])('connection definitions on $name', (backend) => {
  let store: Store;
  let other: Store;

  twoInstances(backend, (a, b) => {
    store = a;
    other = b;
  });

  it('stores a definition and lists every one oldest first, as another instance sees them', async () => {
    await store.createConnectionDefinition(definition('beta', { createdAt: AT + 1 }));
    await store.createConnectionDefinition(definition('alpha', { secretsEncrypted: null, enabled: false }));
    const listed = await other.listConnectionDefinitions();
    expect(listed.map((d) => d.id)).toEqual(['alpha', 'beta']);
    expect(listed[0]).toEqual(definition('alpha', { secretsEncrypted: null, enabled: false }));
    expect(listed[1]).toEqual(definition('beta', { createdAt: AT + 1 }));
  });

  it('refuses a second definition with the same id, whoever writes it', async () => {
    await expect(other.createConnectionDefinition(definition('alpha'))).rejects.toBeInstanceOf(
      UniqueViolation,
    );
    const results = await Promise.allSettled([
      store.createConnectionDefinition(definition('race')),
      other.createConnectionDefinition(definition('race')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('replaces a definition but keeps when it was created; an unknown id is reported', async () => {
    const changed = definition('beta', {
      definition: '{"changed":true}',
      secretsEncrypted: null,
      enabled: false,
      createdAt: AT + 999,
      updatedAt: AT + 5,
    });
    expect(await store.updateConnectionDefinition(changed)).toBe(true);
    const beta = (await other.listConnectionDefinitions()).find((d) => d.id === 'beta');
    expect(beta).toEqual({ ...changed, createdAt: AT + 1 });
    expect(await store.updateConnectionDefinition(definition('nobody'))).toBe(false);
  });

  it('deletes a definition once', async () => {
    expect(await store.deleteConnectionDefinition('alpha')).toBe(true);
    expect(await other.deleteConnectionDefinition('alpha')).toBe(false);
    expect((await store.listConnectionDefinitions()).map((d) => d.id)).not.toContain('alpha');
  });
});
