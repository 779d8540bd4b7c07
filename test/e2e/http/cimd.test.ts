import { afterEach, describe, expect, it } from 'vitest';
import { authorizationUrl, cimdOptions, DocumentHost } from '../../helpers/cimd.js';
import { ADMIN_SECRET, admin, adminToken } from '../../helpers/dcr.js';
import { baseOptions, USER } from '../../helpers/fixtures.js';
import { codeFlow } from '../../helpers/oauth4.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { UserAgent } from '../../helpers/user-agent.js';

const CLIENT = 'https://tool.example.com/oauth/client.json';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const srv = await startServer(...args);
  servers.push(srv);
  return srv;
}

describe('CIMD: URL client IDs whose metadata is fetched (draft-ietf-oauth-client-id-metadata-document)', () => {
  it('advertises client_id_metadata_document_supported only when enabled; otherwise a URL client_id gets an error page', async () => {
    const host = new DocumentHost();
    const on = await serve(cimdOptions(host));
    const metadata = (await (
      await fetch(`${on.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
    const off = await serve(baseOptions());
    const offMetadata = (await (
      await fetch(`${off.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(offMetadata).not.toHaveProperty('client_id_metadata_document_supported');
    const { url } = await authorizationUrl(off.issuer, CLIENT, 'http://127.0.0.1:5000/callback');
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('does not accept client ID metadata documents');
    expect(host.requests).toHaveLength(0);
  });

  it('completes the code flow: consent names the host and the client, tokens and refresh work', async () => {
    const host = new DocumentHost();
    host.publish(CLIENT, {}, { 'cache-control': 'max-age=600' });
    const srv = await serve(cimdOptions(host));
    const { pages, tokens, refresh } = await codeFlow(srv, {
      clientId: CLIENT,
      redirectUri: 'http://127.0.0.1:50123/callback',
    });
    const consent = pages.find((p) => p.includes('name="decision"'))!;
    expect(consent).toContain('id="client-host">tool.example.com<');
    expect(consent).toContain('Portable Tool');
    expect(consent).toContain('Only allow it if you trust tool.example.com');
    const refreshed = await refresh(tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).toBeDefined();
    // One fetch served the authorization, the code exchange and the refresh (max-age=600).
    expect(host.count(CLIENT)).toBe(1);
    const stored = await srv.gh.store.getClient(CLIENT);
    expect(stored).toMatchObject({
      source: 'cimd',
      client_name: 'Portable Tool',
      token_endpoint_auth_method: 'none',
    });
  });

  it('asks for consent again on a new loopback port, and warns when every redirect URI is local', async () => {
    const host = new DocumentHost();
    host.publish(CLIENT, { redirect_uris: ['http://localhost/callback'] });
    const srv = await serve(cimdOptions(host));
    const agent = new UserAgent(srv.origin);
    for (const port of [40001, 40002]) {
      const { url } = await authorizationUrl(srv.issuer, CLIENT, `http://localhost:${port}/callback`);
      const { pages } = await agent.authorize(url, USER);
      const consent = pages.find((p) => p.includes('name="decision"'));
      expect(consent, `consent on port ${port}`).toBeDefined();
      expect(consent).toContain('any program on it could be pretending');
    }
  });

  it('revalidates with If-None-Match after the TTL, keeps the client on 304, and never caches errors', async () => {
    let now = Date.now();
    const host = new DocumentHost();
    host.publish(CLIENT, {}, { 'cache-control': 'max-age=60', etag: '"v1"' });
    const srv = await serve({ ...cimdOptions(host), clock: () => now });
    const agent = new UserAgent(srv.origin);
    const start = async () =>
      agent.request((await authorizationUrl(srv.issuer, CLIENT, 'http://127.0.0.1:5000/callback')).url);
    expect((await start()).status).toBe(302);
    expect((await start()).status).toBe(302);
    expect(host.count(CLIENT)).toBe(1);
    now += 61_000;
    expect((await start()).status).toBe(302);
    expect(host.count(CLIENT)).toBe(2);
    expect(host.requests[1]!.headers['if-none-match']).toBe('"v1"');

    // A document that is gone (404, not a transient 5xx, which would serve the copy validated before:
    // test/attack/throttles.test.ts) ends the client, and the failure is not cached.
    host.documents.set(CLIENT, { status: 404, body: 'gone' });
    now += 61_000;
    const failed = await start();
    expect(failed.status).toBe(400);
    expect(failed.headers.get('location')).toBeNull();
    expect(await failed.text()).toContain('answered HTTP 404');
    const again = await start();
    expect(again.status).toBe(400);
    expect(host.count(CLIENT)).toBe(4);
    const audit = await srv.gh.store.listAuditEvents({ type: 'cimd.fetch_failed', clientId: CLIENT });
    expect(audit[0]!.detail.reason).toMatch(/HTTP 404/);
  });

  it.each([
    ['a redirect', { status: 302, headers: { location: 'http://169.254.169.254/' } }, /redirect/],
    ['a wrong content type', { body: 'x', headers: { 'content-type': 'text/html' } }, /did not serve JSON/],
    ['invalid JSON', { body: '{not json' }, /not valid JSON/],
    [
      'a client_id mismatch',
      { body: { client_id: `${CLIENT}/`, client_name: 'X', redirect_uris: ['https://x.example/cb'] } },
      /exactly the URL/,
    ],
    [
      'a client secret',
      {
        body: {
          client_id: CLIENT,
          client_name: 'X',
          redirect_uris: ['https://x.example/cb'],
          client_secret: 'x',
        },
      },
      /client_secret/,
    ],
  ])('shows an error page in plain words, never a redirect, for %s', async (_name, document, message) => {
    const host = new DocumentHost();
    host.documents.set(CLIENT, document);
    const srv = await serve(cimdOptions(host));
    const { url } = await authorizationUrl(srv.issuer, CLIENT, 'http://127.0.0.1:5000/callback');
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toMatch(message);
  });

  it('refuses hosts outside trustedHosts and documents the policy hook denies, before and after fetching', async () => {
    const host = new DocumentHost();
    host.publish(CLIENT);
    host.publish('https://blocked.example.net/c.json');
    const srv = await serve(
      cimdOptions(host, {
        trustedHosts: ['tool.example.com', 'blocked.example.net'],
        policy: ({ host: h }) =>
          h === 'blocked.example.net' ? { allow: false, reason: 'this vendor is blocked' } : { allow: true },
      }),
    );
    const other = await fetch(
      (
        await authorizationUrl(
          srv.issuer,
          'https://elsewhere.example.org/c.json',
          'http://127.0.0.1:1/callback',
        )
      ).url,
    );
    expect(await other.text()).toContain('documents from elsewhere.example.org are not accepted');
    expect(host.count('https://elsewhere.example.org/c.json')).toBe(0);
    const blocked = await fetch(
      (
        await authorizationUrl(
          srv.issuer,
          'https://blocked.example.net/c.json',
          'http://127.0.0.1:1/callback',
        )
      ).url,
    );
    expect(await blocked.text()).toContain('this vendor is blocked');
  });

  it('a changed document asks for consent again; for a pinned client the change waits for approval', async () => {
    let now = Date.now();
    const host = new DocumentHost();
    host.publish(
      CLIENT,
      { redirect_uris: ['https://tool.example.com/cb'] },
      { 'cache-control': 'max-age=60' },
    );
    const srv = await serve((origin) => ({
      ...cimdOptions(host),
      clock: () => now,
      clients: [
        ...(baseOptions().clients ?? []),
        {
          client_id: 'ops-bot',
          client_secret: ADMIN_SECRET,
          grant_types: ['client_credentials'],
          resources: [`${origin}/admin`],
        },
      ],
    }));
    const agent = new UserAgent(srv.origin);
    const first = await agent.authorize(
      (await authorizationUrl(srv.issuer, CLIENT, 'https://tool.example.com/cb')).url,
      USER,
    );
    expect(first.pages.some((p) => p.includes('name="decision"'))).toBe(true);
    const remembered = await agent.authorize(
      (await authorizationUrl(srv.issuer, CLIENT, 'https://tool.example.com/cb')).url,
      USER,
    );
    expect(remembered.pages.some((p) => p.includes('name="decision"'))).toBe(false);

    // Unpinned: the new document is used, and consent is asked again.
    host.publish(
      CLIENT,
      { redirect_uris: ['https://tool.example.com/cb', 'https://tool.example.com/cb2'] },
      { 'cache-control': 'max-age=60' },
    );
    now += 61_000;
    const after = await agent.authorize(
      (await authorizationUrl(srv.issuer, CLIENT, 'https://tool.example.com/cb')).url,
      USER,
    );
    expect(after.pages.some((p) => p.includes('name="decision"'))).toBe(true);

    // Pinned: the next change is staged; the new redirect URI is refused until approved.
    const call = admin(srv.issuer, await adminToken(srv.issuer));
    expect(
      (await call('POST', `clients/${encodeURIComponent(CLIENT)}/cimd/pin`, { pinned: true })).status,
    ).toBe(200);
    host.publish(
      CLIENT,
      { redirect_uris: ['https://tool.example.com/cb', 'https://tool.example.com/cb3'] },
      { 'cache-control': 'max-age=60' },
    );
    now += 61_000;
    const staged = await agent.request(
      (await authorizationUrl(srv.issuer, CLIENT, 'https://tool.example.com/cb3')).url,
    );
    expect(staged.status).toBe(400);
    expect(staged.headers.get('location')).toBeNull();
    const detail = await call('GET', `clients/${encodeURIComponent(CLIENT)}`);
    const cimd = (
      detail.body.client as { metadata: { cimd: { pending?: { document: { redirect_uris: string[] } } } } }
    ).metadata.cimd;
    expect(cimd.pending?.document.redirect_uris).toContain('https://tool.example.com/cb3');
    expect((await call('POST', `clients/${encodeURIComponent(CLIENT)}/cimd/approve`)).status).toBe(200);
    const approved = await agent.authorize(
      (await authorizationUrl(srv.issuer, CLIENT, 'https://tool.example.com/cb3')).url,
      USER,
    );
    expect(approved.location).toMatch(/^https:\/\/tool\.example\.com\/cb3\?code=/);
    const types = (await srv.gh.store.listAuditEvents({ clientId: CLIENT })).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['cimd.changed', 'cimd.pinned', 'cimd.change_staged', 'cimd.change_approved']),
    );
  });

  it('coalesces concurrent requests for one new client_id into one fetch', async () => {
    const host = new DocumentHost();
    host.publish(CLIENT);
    const slow = host.fetch;
    const srv = await serve({
      ...cimdOptions(host, {
        fetch: async (url, init) => {
          await new Promise((r) => setTimeout(r, 100));
          return slow(url, init);
        },
      }),
      singleInstance: 'coalescing is per instance: N instances fetch a new client_id at most N times',
    });
    const { url } = await authorizationUrl(srv.issuer, CLIENT, 'http://127.0.0.1:5000/callback');
    const responses = await Promise.all(Array.from({ length: 10 }, () => fetch(url, { redirect: 'manual' })));
    expect(responses.every((r) => r.status === 302)).toBe(true);
    expect(host.count(CLIENT)).toBe(1);
  });

  it('serves the logo from its own origin after checking its bytes; SVG and non-images are dropped', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const host = new DocumentHost();
    const base = host.fetch;
    const fetchWithImages = async (
      url: string,
      init: { headers: Record<string, string>; signal: AbortSignal },
    ) => {
      if (url === 'https://tool.example.com/logo.png')
        return new Response(png, { headers: { 'content-type': 'image/png' } });
      if (url === 'https://tool.example.com/logo.svg') {
        return new Response('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', {
          headers: { 'content-type': 'image/svg+xml' },
        });
      }
      if (url === 'https://tool.example.com/fake.png')
        return new Response('<html>', { headers: { 'content-type': 'image/png' } });
      return base(url, init);
    };
    host.publish(CLIENT, { logo_uri: 'https://tool.example.com/logo.png' });
    const svgClient = 'https://tool.example.com/svg.json';
    host.publish(svgClient, { logo_uri: 'https://tool.example.com/logo.svg' });
    const fakeClient = 'https://tool.example.com/fake.json';
    host.publish(fakeClient, { logo_uri: 'https://tool.example.com/fake.png' });
    const srv = await serve(cimdOptions(host, { fetch: fetchWithImages }));
    const agent = new UserAgent(srv.origin);
    const { pages } = await agent.authorize(
      (await authorizationUrl(srv.issuer, CLIENT, 'http://127.0.0.1:5000/callback')).url,
      USER,
    );
    const consent = pages.find((p) => p.includes('name="decision"'))!;
    const logoPath = `/client-logo?client_id=${encodeURIComponent(CLIENT)}`;
    expect(consent).toContain(`src="${logoPath.replaceAll('&', '&amp;')}"`);
    const logo = await fetch(`${srv.origin}${logoPath}`);
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(logo.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await logo.arrayBuffer()).equals(png)).toBe(true);
    for (const id of [svgClient, fakeClient]) {
      await agent.request((await authorizationUrl(srv.issuer, id, 'http://127.0.0.1:5000/callback')).url);
      expect((await srv.gh.store.getClient(id))?.metadata).not.toHaveProperty('logo');
      expect((await fetch(`${srv.origin}/client-logo?client_id=${encodeURIComponent(id)}`)).status).toBe(404);
    }
  });
});
