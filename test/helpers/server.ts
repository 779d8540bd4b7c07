import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { gatehouse as expressGatehouse } from '../../src/adapters/express.js';
import { toNodeListener } from '../../src/adapters/node.js';
import type { GatehouseOptions } from '../../src/config/options.js';
import { createGatehouse, type Gatehouse } from '../../src/gatehouse.js';
import { postgresBackend } from '../store/backends.js';

export type AdapterName = 'node' | 'express';

export interface TestServer {
  gh: Gatehouse;
  issuer: string;
  origin: string;
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

/**
 * Starts Gatehouse on an ephemeral loopback port through a real adapter. The port is bound first so
 * the issuer (which must be known at creation) can name it.
 */
type ServerOptions = Partial<GatehouseOptions> & { issuerPath?: string };

export async function startServer(
  optionsOrFactory: ServerOptions | ((origin: string) => ServerOptions) = {},
  // GATEHOUSE_TEST_ADAPTER=express runs every HTTP suite through the Express adapter instead.
  adapter: AdapterName = process.env['GATEHOUSE_TEST_ADAPTER'] === 'express' ? 'express' : 'node',
): Promise<TestServer> {
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => listener!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  // A factory sees the origin first, for options that must name it (e.g. the admin API resource).
  const options = typeof optionsOrFactory === 'function' ? optionsOrFactory(origin) : optionsOrFactory;
  const { issuerPath = '', ...rest } = options;
  const issuer = `${origin}${issuerPath}`;
  const database = await testDatabase();
  const gh = await createGatehouse({
    issuer,
    secret: TEST_SECRET,
    database: database.url,
    logger: false,
    // Suites send far more refused requests from 127.0.0.1 than a real network would; the refusal
    // throttle and the audit flood bounds run with their defaults in test/attack/storage-flood.test.ts.
    rejectionThrottle: { maxRejections: 1_000_000 },
    audit: { individualPerNetwork: 1000, individualPerType: 1000 },
    ...rest,
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
    issuer,
    origin,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gh.close();
      await database.cleanup();
    },
  };
}
