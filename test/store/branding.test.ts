/** The branding settings row (migration 0016) and its registry, on SQLite and PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { BrandingRegistry } from '../../src/branding/registry.js';
import type { Store } from '../../src/store/types.js';
import { postgresBackend, sqliteBackend, twoInstances } from './backends.js';

const AT = 1_800_000_000_000;
const CONFIGURED = { name: 'Configured', templates: {} };

describe.each([sqliteBackend(), postgresBackend()])('branding on $name', (backend) => {
  let store: Store;
  let other: Store;

  twoInstances(backend, (a, b) => {
    store = a;
    other = b;
  });

  it('has no row until one is put; the last put wins; delete removes it once', async () => {
    expect(await store.getBranding()).toBeUndefined();
    await store.putBranding({ settings: '{"name":"A"}', updatedAt: AT, updatedBy: 'user:1' });
    await other.putBranding({ settings: '{"name":"B"}', updatedAt: AT + 1, updatedBy: 'user:2' });
    expect(await store.getBranding()).toEqual({
      settings: '{"name":"B"}',
      updatedAt: AT + 1,
      updatedBy: 'user:2',
    });
    expect(await other.deleteBranding()).toBe(true);
    expect(await store.deleteBranding()).toBe(false);
    expect(await store.getBranding()).toBeUndefined();
  });

  it('another instance sees an edit on its next refresh, and the configuration again after a reset', async () => {
    const here = new BrandingRegistry(store, CONFIGURED);
    const there = new BrandingRegistry(other, CONFIGURED);
    await here.refresh();
    await there.refresh();
    expect(there.snapshot().fields).toEqual({ name: 'Configured' });
    await store.putBranding({ settings: '{"name":"Edited"}', updatedAt: AT, updatedBy: null });
    await there.refresh();
    expect(there.snapshot()).toMatchObject({ source: 'database', fields: { name: 'Edited' } });
    await store.deleteBranding();
    await there.refresh();
    expect(there.snapshot()).toMatchObject({ source: 'configuration', fields: { name: 'Configured' } });
  });

  it('ignores a stored row that the schema refuses, and reports it', async () => {
    const errors: unknown[] = [];
    const registry = new BrandingRegistry(store, CONFIGURED, (e) => errors.push(e));
    await store.putBranding({ settings: '{"colors":{"primary":"red"}}', updatedAt: AT, updatedBy: null });
    await registry.refresh();
    expect(registry.snapshot()).toMatchObject({ source: 'configuration', fields: { name: 'Configured' } });
    expect(errors).toHaveLength(1);
    await store.deleteBranding();
  });
});
