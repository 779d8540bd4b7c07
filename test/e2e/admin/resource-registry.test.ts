/** The run-time resource registry: config seeds the database, edits win, a failed reload is survivable. */
import { describe, expect, it } from 'vitest';
import { ResourceRegistry } from '../../../src/admin/resources.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { openStore } from '../../../src/store/index.js';

const RESOURCE = 'http://127.0.0.1:4100/mcp';

function config() {
  return resolveConfig({
    issuer: 'http://127.0.0.1:4000',
    secret: 'x'.repeat(40),
    logger: false,
    resources: [{ resource: RESOURCE, name: 'Todo MCP', scopes: ['todos.read'] }],
  });
}

describe('ResourceRegistry', () => {
  it('applies stored edits over the configuration and keeps the built-in admin resource last', async () => {
    const store = await openStore('sqlite::memory:');
    await store.migrate();
    await store.seedResources([
      {
        resource: RESOURCE,
        name: 'Edited',
        scopes: ['a'],
        defaultScopes: ['a'],
        lanes: { preregistered: true, cimd: false, dcr: false },
        updatedAt: 1,
        updatedBy: 'user:x',
      },
    ]);
    const resolved = config();
    const registry = new ResourceRegistry(store, resolved, 0);
    await registry.init(2);
    expect(resolved.resources.map((r) => [r.resource, r.name, r.restricted])).toEqual([
      [RESOURCE, 'Edited', false],
      ['http://127.0.0.1:4000/admin', 'Gatehouse admin API', true],
    ]);
    await store.close();
  });

  it('a failed reload keeps the cached copy, reports the error, and does not fail the caller', async () => {
    const store = await openStore('sqlite::memory:');
    await store.migrate();
    const resolved = config();
    const errors: unknown[] = [];
    const registry = new ResourceRegistry(store, resolved, 0, (error) => errors.push(error));
    await registry.init(1);
    const before = structuredClone(
      resolved.resources.map(({ resource, name, scopes }) => ({ resource, name, scopes })),
    );
    await store.close();
    await expect(registry.refreshIfStale()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(resolved.resources.map(({ resource, name, scopes }) => ({ resource, name, scopes }))).toEqual(
      before,
    );
  });
});
