import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { gatehouse as expressGatehouse } from '../../src/adapters/express.js';
import { toNodeListener } from '../../src/adapters/node.js';
import type { GatehouseOptions } from '../../src/config/options.js';
import { createGatehouse, type Gatehouse } from '../../src/gatehouse.js';
import { postgresBackend } from '../store/backends.js';
import { startRoundRobinProxy } from './round-robin-proxy.js';
import { CLOCK_HEADER, startInstanceB } from './two-instances.js';

export type AdapterName = 'node' | 'express';

export interface TestServer {
  gh: Gatehouse;
  issuer: string;
  origin: string;
  /** Under two instances: each instance's own origin (A, then B), to address one of them directly. */
  instances?: string[];
  close(): Promise<void>;
}

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/**
 * A fresh database for one test server: SQLite in memory, or with GATEHOUSE_TEST_DATABASE=postgres a
 * new PostgreSQL database (CI does so under Node 24, where the SQLite addon built for Node 20 cannot load).
 */
export async function testDatabase(): Promise<{ url: string; cleanup(): Promise<void> }> {
  if (process.env['GATEHOUSE_TEST_DATABASE'] !== 'postgres')
    return { url: 'sqlite::memory:', cleanup: async () => {} };
  const backend = postgresBackend();
  return { url: await backend.freshUrl(), cleanup: () => backend.cleanup() };
}

type ServerOptions = Partial<GatehouseOptions> & {
  issuerPath?: string;
  /**
   * Why this server stays one instance under GATEHOUSE_TEST_TOPOLOGY=two-instances: for a test that
   * counts what one instance's cache does (fetches of an outside document), where two instances
   * behave as designed — each its own cache — but the count differs. Logged when it applies.
   */
  singleInstance?: string;
};

/** The options every test server gets, under the test's own. */
export function testOptions(issuer: string, database: string, rest: Partial<GatehouseOptions>) {
  return {
    issuer,
    secret: TEST_SECRET,
    database,
    logger: false as const,
    // Suites send far more refused requests from 127.0.0.1 than a real network would; the refusal
    // throttle and the audit flood bounds run with their defaults in test/attack/storage-flood.test.ts.
    rejectionThrottle: { maxRejections: 1_000_000 },
    audit: { individualPerNetwork: 1000, individualPerType: 1000 },
    ...rest,
  };
}

/**
 * Starts Gatehouse on an ephemeral loopback port through a real adapter. The port is bound first so
 * the issuer (which must be known at creation) can name it. GATEHOUSE_TEST_TOPOLOGY=two-instances puts
 * two instances on one PostgreSQL database behind a round-robin proxy instead (see startTwoInstances).
 */
export async function startServer(
  optionsOrFactory: ServerOptions | ((origin: string) => ServerOptions) = {},
  // GATEHOUSE_TEST_ADAPTER=express runs every HTTP suite through the Express adapter instead.
  adapter: AdapterName = process.env['GATEHOUSE_TEST_ADAPTER'] === 'express' ? 'express' : 'node',
): Promise<TestServer> {
  const factory = typeof optionsOrFactory === 'function' ? optionsOrFactory : () => optionsOrFactory;
  if (process.env['GATEHOUSE_TEST_TOPOLOGY'] === 'two-instances') {
    const reason = typeof optionsOrFactory === 'object' ? optionsOrFactory.singleInstance : undefined;
    if (!reason) return startTwoInstances(factory, adapter);
    console.info(`[two-instances] this server runs as one instance: ${reason}`);
  }
  const database = await testDatabase();
  let issuer = '';
  const instance = await listenInstance(adapter, async (origin) => {
    // A factory sees the origin first, for options that must name it (e.g. the admin API resource).
    const { issuerPath = '', singleInstance: _single, ...rest } = factory(origin);
    issuer = `${origin}${issuerPath}`;
    return createGatehouse(testOptions(issuer, database.url, rest));
  }).catch(async (error: unknown) => {
    await database.cleanup();
    throw error;
  });
  return {
    gh: instance.gh,
    issuer,
    origin: instance.origin,
    async close() {
      await instance.close();
      await database.cleanup();
    },
  };
}

/** Binds a loopback port, creates Gatehouse with `create(origin)` and serves it through `adapter`. */
async function listenInstance(
  adapter: AdapterName,
  create: (origin: string) => Promise<Gatehouse>,
): Promise<{ gh: Gatehouse; origin: string; close(): Promise<void> }> {
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => listener!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const closeServer = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const gh = await create(origin).catch(async (error: unknown) => {
    await closeServer();
    throw error;
  });
  if (adapter === 'express') {
    const app = express();
    app.use(expressGatehouse(gh));
    app.use((_req, res) => {
      res.status(404).send('not gatehouse');
    });
    listener = app as unknown as typeof listener;
  } else {
    listener = toNodeListener(gh);
  }
  return {
    gh,
    origin,
    async close() {
      await closeServer();
      await gh.close();
    },
  };
}

/**
 * Two Gatehouse instances on one fresh PostgreSQL database (always PostgreSQL: SQLite is one process)
 * behind a round-robin proxy, whose origin is
 * the issuer: instance A in this process (so tests keep using `gh`), instance B a separate OS process
 * built from dist/ (test/helpers/two-instances.ts). Consecutive requests alternate between them.
 */
export async function startTwoInstances(
  factory: (origin: string) => ServerOptions,
  adapter: AdapterName = 'node',
): Promise<TestServer> {
  const proxy = await startRoundRobinProxy();
  const backend = postgresBackend();
  const database = { url: await backend.freshUrl(), cleanup: () => backend.cleanup() };
  let options = {} as GatehouseOptions;
  const cleanups: (() => Promise<void>)[] = [() => database.cleanup(), () => proxy.close()];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const a = await listenInstance(adapter, async () => {
      const { issuerPath = '', singleInstance: _single, ...rest } = factory(proxy.origin);
      options = testOptions(`${proxy.origin}${issuerPath}`, database.url, rest);
      return createGatehouse(options);
    });
    cleanups.push(() => a.close());
    const b = await startInstanceB(options);
    cleanups.push(() => b.stop());
    proxy.setUpstreams([a.origin, b.origin]);
    const clock = options.clock;
    if (clock) {
      proxy.decorate = (upstream): Record<string, string> =>
        upstream === 1 ? { [CLOCK_HEADER]: String(clock()) } : {};
    }
    return { gh: a.gh, issuer: options.issuer, origin: proxy.origin, instances: [a.origin, b.origin], close };
  } catch (error) {
    await close();
    throw error;
  }
}
