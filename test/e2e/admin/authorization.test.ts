/**
 * Who may use the admin surface. Every admin API operation answers 401/403 with no data to anyone but
 * an administrator (token with the admin scope, or an admin's session + CSRF header); the dashboard
 * sends anyone not signed in to the sign-in page and shows 403 to a signed-in non-admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MACHINE_SECRET, RESOURCE, USER } from '../../helpers/fixtures.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { ADMIN, type AdminServer, dashboardCsrf, sessionApi, signIn, startAdminServer } from './support.js';

let srv: AdminServer;

/** One call per documented operation (docs/admin-api.md). */
const OPERATIONS: [string, string, unknown?][] = [
  ['GET', 'clients'],
  ['POST', 'clients', { client_name: 'x', redirect_uris: ['https://x.example/cb'] }],
  ['GET', 'clients/web-app'],
  ['PATCH', 'clients/web-app', { scope: 'todos.read' }],
  ['POST', 'clients/web-app/rotate-secret'],
  ['POST', 'clients/web-app/disable', { reason: 'x' }],
  ['POST', 'clients/web-app/enable'],
  ['POST', 'clients/web-app/revoke-sessions'],
  ['DELETE', 'clients/web-app'],
  ['POST', 'clients/web-app/cimd/pin', { pinned: true }],
  ['POST', 'clients/web-app/cimd/approve'],
  ['POST', 'clients/web-app/cimd/reject'],
  ['GET', 'resources'],
  ['PATCH', 'resources', { resource: RESOURCE, name: 'x' }],
  ['GET', 'users'],
  ['POST', 'users', { email: 'x@example.com', password: 'password 123' }],
  ['GET', 'users/usr_x'],
  ['GET', 'users/usr_x/grants'],
  ['POST', 'users/usr_x/disable'],
  ['POST', 'users/usr_x/enable'],
  ['POST', 'users/usr_x/revoke-sessions'],
  ['POST', 'users/usr_x/reset-password'],
  ['GET', 'users/usr_x/identities'],
  ['POST', 'users/usr_x/identities/unlink', { issuer: 'https://idp.example', subject: 's' }],
  ['GET', 'connections'],
  ['GET', 'audit'],
  ['GET', 'audit/export'],
  ['GET', 'keys'],
  ['POST', 'keys/rotate'],
  ['GET', 'overview'],
  ['GET', 'settings'],
  ['POST', 'maintenance/cleanup-stale-clients'],
];

async function machineToken(): Promise<string> {
  const response = await fetch(`${srv.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }),
  });
  return String(((await response.json()) as { access_token: string }).access_token);
}

/** A refusal carries the OAuth error fields and nothing else. */
function expectNoData(body: Record<string, unknown>) {
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
}

beforeAll(async () => {
  srv = await startAdminServer();
});
afterAll(() => srv.close());

describe('the admin API refuses everyone but an administrator', () => {
  it.each(OPERATIONS)('%s %s without credentials: 401 and no data', async (method, path, body) => {
    const response = await fetch(`${srv.issuer}/admin/api/${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="gatehouse-admin"/);
    expectNoData((await response.json()) as Record<string, unknown>);
  });

  it.each(OPERATIONS)(
    '%s %s with a token for another resource: 401 and no data',
    async (method, path, body) => {
      const response = await fetch(`${srv.issuer}/admin/api/${path}`, {
        method,
        headers: { authorization: `Bearer ${await machineToken()}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(response.status).toBe(401);
      expectNoData((await response.json()) as Record<string, unknown>);
    },
  );

  it.each(OPERATIONS)(
    '%s %s from a signed-in user who is not an administrator: 403 and no data',
    async (method, path, body) => {
      const { agent } = await signIn(srv.origin, srv.issuer, USER);
      const result = await sessionApi(agent, srv.issuer, 'anything')(method, path, body);
      expect(result.status).toBe(403);
      expectNoData(result.body);
    },
  );

  it('an administrator session without the CSRF header, with a wrong one, or from another origin cannot change anything', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const csrf = await dashboardCsrf(agent, srv.issuer);
    for (const [method, path, body] of OPERATIONS.filter(([m]) => m !== 'GET')) {
      for (const header of [undefined, `${csrf}x`]) {
        const result = await sessionApi(agent, srv.issuer, header)(method, path, body);
        expect(result.status, `${method} ${path}`).toBe(403);
        expectNoData(result.body);
      }
    }
    const foreign = await agent.request(`${srv.issuer}/admin/api/keys/rotate`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'x-csrf-token': csrf },
    });
    expect(foreign.status).toBe(403);
    expect((await srv.gh.store.listAuditEvents({ type: 'keys.rotated' })).length).toBe(0);
  });

  it('a disabled administrator loses access at once', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const user = await srv.gh.store.getUserByEmail(ADMIN.email);
    await srv.gh.store.updateUser(user!.id, { disabledAt: Date.now() });
    try {
      const result = await sessionApi(agent, srv.issuer)('GET', 'clients');
      expect(result.status).toBe(401);
      expectNoData(result.body);
    } finally {
      await srv.gh.store.updateUser(user!.id, { disabledAt: null });
    }
  });
});

describe('the dashboard', () => {
  const PAGES = ['', '/clients', '/clients/new', '/resources', '/users', '/audit', '/keys', '/settings'];

  it.each(PAGES)(
    '{issuer}/admin%s sends a visitor who is not signed in to sign in, and back',
    async (page) => {
      const response = await fetch(`${srv.issuer}/admin${page}`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!, srv.origin);
      expect(location.pathname).toBe('/login');
      expect(location.searchParams.get('return_to')).toBe(`/admin${page}`);
      expect(await response.text()).toBe('');
    },
  );

  it('signing in from there returns to the dashboard, whose navigation has a link named Clients', async () => {
    const { agent, location } = await signIn(srv.origin, srv.issuer, ADMIN);
    expect(location).toBe('/admin');
    const html = await (await agent.request(`${srv.issuer}/admin`)).text();
    expect(html).toMatch(
      /<nav class="main" aria-label="Dashboard">[\s\S]*<a href="\/admin\/clients">Clients<\/a>/,
    );
  });

  it.each(PAGES)(
    '{issuer}/admin%s shows 403 and no data to a signed-in user who is not an administrator',
    async (page) => {
      const { agent } = await signIn(srv.origin, srv.issuer, USER);
      const response = await agent.request(`${srv.issuer}/admin${page}`);
      expect(response.status).toBe(403);
      const html = await response.text();
      expect(html).not.toContain('web-app');
      expect(html).not.toContain('Clients</a>');
    },
  );

  it('sign-in never redirects outside the dashboard through return_to', async () => {
    for (const target of ['https://evil.example/', '//evil.example/admin', '/admin/../evil', '/other']) {
      const agent = new UserAgent(srv.origin);
      const page = await agent.request(`${srv.issuer}/login?return_to=${encodeURIComponent(target)}`);
      const response = await agent.submit(await page.text(), { ...ADMIN, return_to: target });
      const location = response.headers.get('location')!;
      expect(location).toBe('/signed-in');
    }
  });

  it('dashboard forms refuse a missing CSRF token and another origin', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const form = { op: 'rotate', confirmed: 'yes' };
    const noToken = await agent.request(`${srv.issuer}/admin/keys/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: srv.origin },
      body: new URLSearchParams(form),
    });
    expect(noToken.status).toBe(403);
    const csrf = await dashboardCsrf(agent, srv.issuer);
    const foreign = await agent.request(`${srv.issuer}/admin/keys/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ ...form, csrf }),
    });
    expect(foreign.status).toBe(403);
    expect((await srv.gh.store.listAuditEvents({ type: 'keys.rotated' })).length).toBe(0);
  });

  it('dashboard pages carry the hosted pages’ security headers', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const response = await agent.request(`${srv.issuer}/admin/clients`);
    expect(response.headers.get('content-security-policy')).toMatch(
      /default-src 'none'.*frame-ancestors 'none'/,
    );
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
