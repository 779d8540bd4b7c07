/**
 * The client list is paginated server-side by keyset (client_id), with filters in SQL, so a page is
 * served from 100,000 clients without loading them. No timing is asserted here: bench/admin-clients.bench.ts
 * measures it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminToken } from '../../helpers/dcr.js';
import { RESOURCE } from '../../helpers/fixtures.js';
import { seedClients } from './seed-clients.js';
import { ADMIN, type AdminServer, signIn, startAdminServer } from './support.js';

const COUNT = 100_000;
let srv: AdminServer;
let call: ReturnType<typeof admin>;

beforeAll(async () => {
  srv = await startAdminServer();
  await seedClients(srv.gh.store, COUNT, RESOURCE, Date.UTC(2026, 0, 1));
  call = admin(srv.issuer, await adminToken(srv.issuer));
}, 120_000);
afterAll(() => srv.close());

type Page = {
  clients: { client_id: string; source: string; disabledAt: number | null }[];
  next: string | null;
};

describe('with 100,000 clients', () => {
  it('the store holds them all', async () => {
    const counts = await srv.gh.store.countClients();
    expect(counts.reduce((n, c) => n + c.count, 0)).toBeGreaterThanOrEqual(COUNT);
  });

  it('serves the first page and the next one by cursor', async () => {
    const first = (await call('GET', 'clients?limit=50')).body as Page;
    expect(first.clients).toHaveLength(50);
    expect(first.next).toBe(first.clients[49]!.client_id);
    const second = (await call('GET', `clients?limit=50&after=${encodeURIComponent(first.next!)}`))
      .body as Page;
    expect(second.clients).toHaveLength(50);
    expect(second.clients[0]!.client_id > first.next!).toBe(true);
  });

  it('serves a page filtered by lane, status, resource and text together', async () => {
    const page = (
      await call(
        'GET',
        `clients?source=dcr&status=disabled&resource=${encodeURIComponent(RESOURCE)}&q=seeded%20tool%2009&limit=20`,
      )
    ).body as Page;
    expect(page.clients.length).toBeGreaterThan(0);
    for (const c of page.clients) {
      expect(c.source).toBe('dcr');
      expect(c.disabledAt).not.toBeNull();
      expect(c.client_id).toMatch(/^dcr_09/);
    }
  });

  it('a late page deep in the list is served the same way', async () => {
    const page = (await call('GET', `clients?source=preregistered&after=preregistered_099000&limit=50`))
      .body as Page;
    expect(page.clients.map((c) => c.client_id)[0]).toBe('preregistered_099002');
  });

  it('the dashboard renders the Clients tab and the overview', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const clients = await agent.request(`${srv.issuer}/admin/clients?source=cimd`);
    expect(clients.status).toBe(200);
    const html = await clients.text();
    expect(html).toContain('https://tool000001.example/client.json');
    expect(html).toContain('Next page');
    const overview = await (await agent.request(`${srv.issuer}/admin`)).text();
    expect(overview).toContain('33334');
  });
});
