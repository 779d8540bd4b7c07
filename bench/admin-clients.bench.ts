import { afterAll, beforeAll, bench, describe } from 'vitest';
import { seedClients } from '../test/e2e/admin/seed-clients.js';
import { admin, adminToken, dcrOptions } from '../test/helpers/dcr.js';
import { RESOURCE } from '../test/helpers/fixtures.js';
import { startServer, type TestServer } from '../test/helpers/server.js';

/**
 * Admin client-list pages per second with 100,000 clients (SQLite in memory): the first page, a deep
 * page by cursor, a lane + status filter, and a text search (a scan: LIKE '%…%' cannot use an index).
 * Run: `npx vitest bench --run bench/admin-clients.bench.ts`.
 */
const OPTIONS = { time: 2_000, warmupTime: 300 };
let srv: TestServer;
let call: ReturnType<typeof admin>;

beforeAll(async () => {
  srv = await startServer((origin) => dcrOptions({}, origin));
  await seedClients(srv.gh.store, 100_000, RESOURCE, Date.UTC(2026, 0, 1));
  call = admin(srv.issuer, await adminToken(srv.issuer));
}, 120_000);
afterAll(() => srv?.close());

describe('GET /admin/api/clients with 100,000 clients', () => {
  bench(
    'first page (50)',
    async () => {
      await call('GET', 'clients?limit=50');
    },
    OPTIONS,
  );
  bench(
    'deep page by cursor',
    async () => {
      await call('GET', 'clients?limit=50&after=preregistered_090000');
    },
    OPTIONS,
  );
  bench(
    'lane + status filter',
    async () => {
      await call('GET', 'clients?source=dcr&status=disabled&limit=50');
    },
    OPTIONS,
  );
  bench(
    'text search',
    async () => {
      await call('GET', 'clients?q=tool%20099&limit=50');
    },
    OPTIONS,
  );
});
