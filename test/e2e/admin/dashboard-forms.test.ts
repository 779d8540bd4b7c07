/**
 * The dashboard's forms over HTTP: destructive actions change nothing until confirmed, each form calls
 * the same operation as the API (and is audited as the signed-in administrator), and bad input comes
 * back as a page that says nothing was changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE } from '../../helpers/fixtures.js';
import { decodeEntities, type UserAgent } from '../../helpers/user-agent.js';
import { ADMIN, type AdminServer, dashboardCsrf, signIn, startAdminServer } from './support.js';

let srv: AdminServer;
let agent: UserAgent;
let csrf: string;
let adminId: string;

async function post(path: string, fields: Record<string, string>) {
  return agent.request(`${srv.issuer}/admin${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: srv.origin },
    body: new URLSearchParams({ csrf, ...fields }),
  });
}

beforeAll(async () => {
  srv = await startAdminServer();
  ({ agent } = await signIn(srv.origin, srv.issuer, ADMIN));
  csrf = await dashboardCsrf(agent, srv.issuer);
  adminId = (await srv.gh.store.getUserByEmail(ADMIN.email))!.id;
});
afterAll(() => srv.close());

describe('dashboard forms', () => {
  it('delete, disable, revoke-sessions and rotate-secret show a confirmation first and change nothing', async () => {
    for (const op of ['delete', 'disable', 'revoke-sessions', 'rotate-secret']) {
      const response = await post('/clients/action', { op, client_id: 'web-app' });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('name="confirmed" value="yes"');
      expect(html).toContain('Cancel');
    }
    const client = await srv.gh.store.getClient('web-app');
    expect(client?.disabledAt).toBeNull();
    expect(await srv.gh.store.listAuditEvents({ clientId: 'web-app' })).toEqual([]);
  });

  it('an action named after an Object.prototype member is an unknown action, not a server error', async () => {
    const user = (await srv.gh.store.getUserByEmail(ADMIN.email))!;
    for (const op of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      for (const confirmed of ['yes', 'no']) {
        const onUser = await post('/users/action', { op, user_id: user.id, confirmed });
        expect(onUser.status, `${op} on a user`).toBeLessThan(500);
        expect(await onUser.text()).toContain('unknown action');
        const onClient = await post('/clients/action', { op, client_id: 'web-app', confirmed });
        expect(onClient.status, `${op} on a client`).toBeLessThan(500);
        expect(await onClient.text()).not.toContain('undefined');
      }
    }
    expect((await srv.gh.store.getClient('web-app'))?.disabledAt).toBeNull();
  });

  it('a confirmed disable needs a reason, then disables and returns to the client with a notice', async () => {
    const noReason = await post('/clients/action', { op: 'disable', client_id: 'web-app', confirmed: 'yes' });
    expect(await noReason.text()).toContain('Reason (kept in the audit log)');
    expect((await srv.gh.store.getClient('web-app'))?.disabledAt).toBeNull();
    const done = await post('/clients/action', {
      op: 'disable',
      client_id: 'web-app',
      confirmed: 'yes',
      reason: 'rotating vendors',
      return_to: '/admin/clients?client=web-app',
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/admin/clients?client=web-app&done=disable');
    expect((await srv.gh.store.getClient('web-app'))?.disabledReason).toBe('rotating vendors');
    const [event] = await srv.gh.store.listAuditEvents({ type: 'client.disabled', clientId: 'web-app' });
    expect(event).toMatchObject({ actor: `user:${adminId}`, ip: '127.0.0.1' });
    const page = await (await agent.request(`${srv.issuer}${done.headers.get('location')}`)).text();
    expect(page).toContain('The client was disabled and its grants revoked.');
  });

  it('a return_to outside the dashboard is ignored', async () => {
    const done = await post('/clients/action', {
      op: 'enable',
      client_id: 'web-app',
      return_to: 'https://evil.example/',
    });
    expect(done.headers.get('location')).toBe('/admin/clients?done=enable');
  });

  it('edits a client, and shows bad redirect URIs as an error page that changes nothing', async () => {
    const bad = await post('/clients/action', {
      op: 'edit',
      client_id: 'native-app',
      redirect_uris: 'http://evil.example/cb',
      scope: '',
    });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('Nothing was changed.');
    expect(html).toContain('must use https');
    const ok = await post('/clients/action', {
      op: 'edit',
      client_id: 'native-app',
      redirect_uris: 'http://127.0.0.1/callback\nhttp://127.0.0.1/second',
      scope: 'todos.read',
    });
    expect(ok.status).toBe(303);
    expect((await srv.gh.store.getClient('native-app'))?.redirect_uris).toEqual([
      'http://127.0.0.1/callback',
      'http://127.0.0.1/second',
    ]);
  });

  it('creates a machine client and shows its secret once on the result page', async () => {
    const response = await post('/clients/new', {
      client_name: 'Cron',
      kind: 'machine',
      scope: 'todos.read',
    });
    expect(response.status).toBe(200);
    const html = await response.text();
    const secret = /id="client-secret"[^>]*value="(ghsec_[^"]+)"/.exec(html)?.[1];
    expect(secret).toBeDefined();
    const list = await (await agent.request(`${srv.issuer}/admin/clients?q=cron`)).text();
    expect(list).toContain('Cron');
    expect(list).not.toContain(secret!);
    const invalid = await post('/clients/new', {
      client_name: 'Web',
      kind: 'public',
      redirect_uris: 'not a url',
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('value="Web"');
  });

  it('creates a machine client with a key set URL (private_key_jwt) instead of a secret, and its page shows the keys', async () => {
    const response = await post('/clients/new', {
      client_name: 'Keyed agent',
      kind: 'machine',
      jwks_uri: 'https://keys.example.com/agent.json',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).not.toContain('id="client-secret"');
    const [client] = (await srv.gh.store.listClients({ text: 'Keyed agent', limit: 50 })).filter(
      (c) => c.client_name === 'Keyed agent',
    );
    expect(client?.token_endpoint_auth_method).toBe('private_key_jwt');
    expect(client?.secretHash).toBeNull();
    const page = await (
      await agent.request(`${srv.issuer}/admin/clients?client=${encodeURIComponent(client!.client_id)}`)
    ).text();
    expect(page).toContain('<dt>Keys</dt><dd><code>https://keys.example.com/agent.json</code>');
    expect(page).not.toContain('Rotate secret');
    // The dashboard is a request: its key set URL must be a public https host (SSRF-safe fetcher).
    const internal = await post('/clients/new', {
      client_name: 'Internal agent',
      kind: 'machine',
      jwks_uri: 'https://10.0.0.1/keys.json',
    });
    expect(internal.status).toBe(400);
    expect(await internal.text()).toContain('jwks_uri');
  });

  it('edits a resource from its form', async () => {
    const response = await post('/resources/action', {
      op: 'edit',
      resource: RESOURCE,
      name: 'Todos',
      scopes: 'todos.read todos.write todos.admin',
      default_scopes: 'todos.read',
      lane_preregistered: 'yes',
      lane_cimd: 'yes',
    });
    expect(response.status).toBe(303);
    expect(srv.gh.context.resources.snapshot().resources.find((r) => r.resource === RESOURCE)).toMatchObject({
      name: 'Todos',
      scopes: ['todos.read', 'todos.write', 'todos.admin'],
      defaultScopes: ['todos.read'],
      lanes: { preregistered: true, cimd: true, dcr: false },
    });
  });

  it('creates a user, sends a password reset through the mailer, and disables the user after confirming', async () => {
    const created = await post('/users/action', {
      op: 'create',
      email: 'eve@example.com',
      password: 'password 12345',
    });
    expect(created.status).toBe(303);
    const user = (await srv.gh.store.getUserByEmail('eve@example.com'))!;
    const reset = await post('/users/action', { op: 'reset-password', user_id: user.id });
    expect(reset.status).toBe(303);
    expect(srv.mail.at(-1)?.to).toBe('eve@example.com');
    const page = await (await agent.request(`${srv.issuer}${reset.headers.get('location')}`)).text();
    expect(page).toContain('A password-reset link was sent');
    expect(page).not.toContain('ghp_');
    const unconfirmed = await post('/users/action', { op: 'disable', user_id: user.id });
    expect(await unconfirmed.text()).toContain('Disable this user?');
    expect((await srv.gh.store.getUserById(user.id))?.disabledAt).toBeNull();
    await post('/users/action', { op: 'disable', user_id: user.id, confirmed: 'yes' });
    expect((await srv.gh.store.getUserById(user.id))?.disabledAt).not.toBeNull();
    const self = await post('/users/action', { op: 'disable', user_id: adminId, confirmed: 'yes' });
    expect(self.status).toBe(400);
  });

  it('creates a user the administrator vouches for, and the panel says whether the e-mail is verified', async () => {
    const vouched = await post('/users/action', {
      op: 'create',
      email: 'grace@example.com',
      password: 'password 12345',
      email_verified: 'yes',
    });
    expect(vouched.status).toBe(303);
    expect((await srv.gh.store.getUserByEmail('grace@example.com'))?.emailVerified).toBe(true);
    const panel = await (await agent.request(`${srv.issuer}${vouched.headers.get('location')}`)).text();
    expect(panel).toContain('E-mail verified');
    await post('/users/action', { op: 'create', email: 'mallory@example.com', password: 'password 12345' });
    expect((await srv.gh.store.getUserByEmail('mallory@example.com'))?.emailVerified).toBe(false);
  });

  it('rotates keys only after confirming', async () => {
    const before = await srv.gh.store.listSigningKeys();
    expect(await (await post('/keys/action', { op: 'rotate' })).text()).toContain('Rotate signing keys?');
    expect(await srv.gh.store.listSigningKeys()).toEqual(before);
    const done = await post('/keys/action', { op: 'rotate', confirmed: 'yes' });
    // The next key was published when the server started, moments ago: its activation is scheduled
    // (operations/keys.ts) and the page says when and why.
    const text = await done.text();
    expect(text).toContain('Key rotation scheduled');
    expect(text).toMatch(/it signs from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, when every instance/);
    const after = await srv.gh.store.listSigningKeys();
    expect(after.find((k) => k.state === 'active')?.kid).toBe(before.find((k) => k.state === 'next')?.kid);

    // Another rotation while that one is pending is refused, and the page says why; nothing changes.
    const refused = await post('/keys/action', { op: 'rotate', confirmed: 'yes' });
    expect(refused.status).toBe(409);
    const reason = decodeEntities(await refused.text());
    expect(reason).toContain('Not done');
    expect(reason).toMatch(/A rotation is already scheduled: key \S+ signs from .* UTC/);
    expect(await srv.gh.store.listSigningKeys()).toEqual(after);
  });
});
