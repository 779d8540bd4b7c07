/**
 * The Store contract suite, run against every backend: SQLite (a file in a temp dir) and PostgreSQL
 * (a fresh database per run). PostgreSQL is never skipped: if it is unreachable the suite fails.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { postgresBackend, sqliteBackend } from './backends.js';
import type { SuiteContext } from './context.js';
import { makeClient } from './fixtures.js';
import { accessSuite } from './suites/access.js';
import { adminSuite } from './suites/admin.js';
import { clientAssertionsSuite } from './suites/client-assertions.js';
import { concurrencySuite } from './suites/concurrency.js';
import { idJagSuite } from './suites/id-jag.js';
import { operationsSuite } from './suites/operations.js';
import { readinessSuite } from './suites/readiness.js';
import { refreshSuite } from './suites/refresh.js';
import { retentionSuite } from './suites/retention.js';
import { tokensSuite } from './suites/tokens.js';

describe.each([sqliteBackend(), postgresBackend()])('Store on $name', (backend) => {
  const opened: Store[] = [];
  const ctx = { backend } as SuiteContext;

  beforeAll(async () => {
    ctx.open = async (url) => {
      const store = await openStore(url, { poolSize: 20 });
      opened.push(store);
      return store;
    };
    ctx.freshStore = async () => {
      const store = await ctx.open(await backend.freshUrl());
      await store.migrate();
      return store;
    };
    ctx.url = await backend.freshUrl();
    ctx.store = await ctx.open(ctx.url);
    await ctx.store.migrate();
    ctx.other = await ctx.open(ctx.url);
  });

  // Dropping the suite's ~40 PostgreSQL databases (each freshUrl is one) takes about a minute on a loaded
  // two-core machine; the hook's default of 60 s was too tight once migration 0012 added three tables.
  afterAll(async () => {
    await Promise.allSettled(opened.map((s) => s.close()));
    await backend.cleanup();
  }, 180_000);

  it('reports its dialect and answers ping', async () => {
    expect(ctx.store.dialect).toBe(backend.name);
    await expect(ctx.store.ping()).resolves.toBeUndefined();
  });

  accessSuite(ctx);
  tokensSuite(ctx);
  refreshSuite(ctx);
  operationsSuite(ctx);
  concurrencySuite(ctx);
  adminSuite(ctx);
  retentionSuite(ctx);
  readinessSuite(ctx);
  clientAssertionsSuite(ctx);
  idJagSuite(ctx);
});

describe('openStore', () => {
  it.each([
    ['mysql://localhost/db', /unsupported database URL scheme "mysql:"/],
    ['gatehouse.db', /must start with sqlite:, postgres:\/\/ or postgresql:\/\//],
    ['sqlite:', /names no file/],
    ['sqlite://data/x.db', /not supported; use sqlite:<path>/],
    ['postgres:/missing-slashes', /unsupported database URL scheme "postgres:"/],
  ])('rejects %s with an error naming the problem', async (url, message) => {
    await expect(openStore(url)).rejects.toThrow(message);
  });

  it('opens an in-memory SQLite database with sqlite::memory:', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await store.migrate();
      const client = makeClient();
      await store.createClient(client);
      expect(await store.getClient(client.client_id)).toEqual(client);
    } finally {
      await store.close();
    }
  });

  it('resolves a relative sqlite: path against the working directory and creates missing directories', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-open-'));
    try {
      const target = join(dir, 'nested', 'deeper', 'store.db');
      const store = await openStore(`sqlite:${relative(process.cwd(), target)}`);
      await store.migrate();
      await store.close();
      expect((await stat(target)).isFile()).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts postgresql:// as well as postgres://', async () => {
    const store = await openStore('postgresql://postgres@127.0.0.1:5432/postgres', { poolSize: 2 });
    expect(store.dialect).toBe('postgres');
    await store.close();
  });

  it('connects at once, so an unreachable database is reported as one, with where and without the password', async () => {
    const opening = openStore('postgresql://postgres:hunter2-secret@127.0.0.1:1/none', { poolSize: 2 });
    await expect(opening).rejects.toThrow(/127\.0\.0\.1:1/);
    await expect(opening).rejects.not.toThrow(/hunter2-secret/);
  });

  it('rejects a pool size that is not a positive integer', async () => {
    await expect(openStore('postgres://postgres@127.0.0.1:5432/postgres', { poolSize: 0 })).rejects.toThrow(
      /poolSize/,
    );
  });
});
