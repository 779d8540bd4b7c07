/** The run-time resource registry: config seeds the database, edits win, a failed reload is survivable. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { ResourceRegistry } from '../../../src/config/resource-registry.js';
import { createGatehouse } from '../../../src/gatehouse.js';
import { editResource } from '../../../src/operations/resources.js';
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

async function storeWithEdit() {
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
  return store;
}

describe('ResourceRegistry', () => {
  it('applies stored edits over the configuration and keeps the built-in admin resource last', async () => {
    const store = await storeWithEdit();
    const resolved = config();
    const registry = new ResourceRegistry(store, resolved, { refreshMs: 0 });
    await registry.init(2);
    expect(registry.snapshot().resources.map((r) => [r.resource, r.name, r.restricted])).toEqual([
      [RESOURCE, 'Edited', false],
      ['http://127.0.0.1:4000/admin', 'Gatehouse admin API', true],
    ]);
    // The configuration itself is not touched: it stays what the file said.
    expect(resolved.resources[0]).toMatchObject({ name: 'Todo MCP', scopes: ['todos.read'] });
    await store.close();
  });

  it('a snapshot is frozen and stays as it was when the registry reloads', async () => {
    const store = await storeWithEdit();
    const registry = new ResourceRegistry(store, config(), { refreshMs: 60_000 });
    const before = registry.snapshot();
    expect(before.resources[0]).toMatchObject({ name: 'Todo MCP' });
    await registry.init(2);
    const after = registry.snapshot();
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.resources[0]).toMatchObject({ name: 'Edited' });
    expect(before.resources[0]).toMatchObject({ name: 'Todo MCP' });
    expect(() => (after.resources as unknown[]).push({})).toThrow(TypeError);
    expect(() => {
      (after.resources[0]!.scopes as string[])[0] = 'other';
    }).toThrow(TypeError);
    // Fresh: a request only compares clocks, and gets the same snapshot object.
    expect(registry.refreshIfStale()).toBeUndefined();
    expect(registry.snapshot()).toBe(after);
    await store.close();
  });

  it('a stale snapshot is reloaded once for concurrent callers, in the background', async () => {
    const store = await storeWithEdit();
    const registry = new ResourceRegistry(store, config(), { refreshMs: 0 });
    await registry.init(2);
    const version = registry.snapshot().version;
    const first = registry.refreshIfStale();
    expect(registry.refreshIfStale()).toBe(first);
    // Until the reload lands, callers go on with the snapshot they had.
    expect(registry.snapshot().version).toBe(version);
    await first;
    expect(registry.snapshot().version).toBe(version + 1);
    await store.close();
  });

  it('a failed reload keeps the cached copy, reports the error, and does not fail the caller', async () => {
    const store = await openStore('sqlite::memory:');
    await store.migrate();
    const errors: unknown[] = [];
    const registry = new ResourceRegistry(store, config(), {
      refreshMs: 0,
      onError: (error) => errors.push(error),
    });
    await registry.init(1);
    const before = registry.snapshot();
    await store.close();
    await expect(registry.refreshIfStale()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(registry.snapshot()).toBe(before);
  });
});

describe('resourceCacheTtl across instances', () => {
  it('another instance serves an edit once its copy is older than resourceCacheTtl; the configuration stays as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-registry-'));
    const options = {
      issuer: 'http://127.0.0.1:4000',
      secret: 'x'.repeat(40),
      database: `sqlite:${join(dir, 'shared.db')}`,
      logger: false as const,
      resources: [{ resource: RESOURCE, name: 'Todo MCP', scopes: ['todos.read'] }],
      resourceCacheTtl: 0,
    };
    const a = await createGatehouse(options);
    const b = await createGatehouse(options);
    const scopesOn = async (gh: typeof b) => {
      const response = await gh.fetch(
        new Request('http://127.0.0.1:4000/.well-known/oauth-authorization-server'),
      );
      return ((await response.json()) as { scopes_supported: string[] }).scopes_supported;
    };
    try {
      expect(await scopesOn(b)).not.toContain('todos.admin');
      await editResource(a.context, RESOURCE, { scopes: ['todos.read', 'todos.admin'] }, 'test');
      expect(await scopesOn(a)).toContain('todos.admin');
      // Requests never wait for a reload; one in flight (or started now, the copy being stale) lands.
      await b.context.resources.refreshIfStale();
      expect(await scopesOn(b)).toContain('todos.admin');
      expect(b.config.resources[0]!.scopes).toEqual(['todos.read']);
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
