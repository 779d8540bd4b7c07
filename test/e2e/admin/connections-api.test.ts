import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminToken } from '../../helpers/dcr.js';
import { startSamlIdp } from '../../helpers/saml-idp.js';
import { beginUpstreamSignIn, continueToClient } from '../../helpers/upstream-flow.js';
import {
  signInUpstream,
  startUpstream,
  UPSTREAM_CLIENT_ID,
  UPSTREAM_SECRET,
  type Upstream,
} from '../../helpers/upstream-oidc.js';
import { decodeEntities, UserAgent } from '../../helpers/user-agent.js';
import { ADMIN, type AdminServer, signIn, startAdminServer } from './support.js';

/**
 * Issue 16: administrators see the configured connections (never their secrets) and a user's linked
 * identities, and can remove a link (audited); the next sign-in through that provider is a first one.
 */
describe('admin API: connections and linked identities', () => {
  let srv: AdminServer;
  let upstream: Upstream;
  let call: ReturnType<typeof admin>;

  beforeAll(async () => {
    upstream = await startUpstream({
      lin: { email: 'lin@corp.example', email_verified: true },
      kim: { email: 'kim@corp.example', email_verified: true },
    });
    srv = await startAdminServer((origin) => {
      upstream.configure(origin, ['corp', 'managed']);
      return {
        connections: [
          upstream.connection({ trustEmailVerified: true }),
          upstream.connection({ id: 'old', name: 'Old IdP', enabled: false }),
        ],
      };
    });
    call = admin(srv.issuer, await adminToken(srv.issuer));
  });
  afterAll(async () => {
    await srv?.close();
    await upstream?.close();
  });

  it('lists the connections without any secret', async () => {
    const { status, body } = await call('GET', 'connections');
    expect(status).toBe(200);
    expect(body.connections).toEqual([
      expect.objectContaining({ id: 'corp', name: 'Corp SSO', issuer: upstream.issuer, enabled: true }),
      expect.objectContaining({ id: 'old', enabled: false }),
    ]);
    expect(JSON.stringify(body)).not.toContain(UPSTREAM_SECRET);
  });

  it('shows the connections in the effective settings with the secret hidden', async () => {
    const { status, body } = await call('GET', 'settings');
    expect(status).toBe(200);
    const settings = body.settings as { connections: Record<string, unknown>[] };
    expect(settings.connections[0]).toMatchObject({
      id: 'corp',
      client_secret: '[hidden]',
      private_key: null,
      trustEmailVerified: true,
      stateTtl: 600,
    });
    expect(JSON.stringify(body)).not.toContain(UPSTREAM_SECRET);
  });

  it("lists a user's linked identities and removes one", async () => {
    const flow = await beginUpstreamSignIn(srv);
    const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'lin');
    await continueToClient(flow.agent, await flow.agent.request(callback.href));
    const user = await srv.gh.store.getUserByEmail('lin@corp.example');
    const listed = await call('GET', `users/${user!.id}/identities`);
    expect(listed.status).toBe(200);
    expect(listed.body.identities).toEqual([
      expect.objectContaining({
        issuer: upstream.issuer,
        subject: 'lin',
        connection: 'corp',
        connectionName: 'Corp SSO',
      }),
    ]);
    const missing = await call('POST', `users/${user!.id}/identities/unlink`, { issuer: upstream.issuer });
    expect(missing.status).toBe(400);
    const wrong = await call('POST', `users/${user!.id}/identities/unlink`, {
      issuer: upstream.issuer,
      subject: 'x',
    });
    expect(wrong.status).toBe(404);
    const removed = await call('POST', `users/${user!.id}/identities/unlink`, {
      issuer: upstream.issuer,
      subject: 'lin',
    });
    expect(removed.status).toBe(200);
    expect(removed.body.identities).toEqual([]);
    const [event] = await srv.gh.store.listAuditEvents({ type: 'user.identity_unlinked', limit: 1 });
    expect(event).toMatchObject({ userId: user!.id, actor: expect.stringContaining('ops-bot') });
    expect((await call('GET', 'users/usr_nobody/identities')).status).toBe(404);
  });

  it('the dashboard user page lists linked sign-in providers and removes one', async () => {
    const flow = await beginUpstreamSignIn(srv);
    const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'lin');
    await continueToClient(flow.agent, await flow.agent.request(callback.href));
    const user = await srv.gh.store.getUserByEmail('lin@corp.example');
    expect(await srv.gh.store.listLinkedIdentities(user!.id)).toHaveLength(1);
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const page = await (await agent.request(`${srv.issuer}/admin/users?user=${user!.id}`)).text();
    const table = /<table id="linked-identities">[\s\S]*?<\/table>/.exec(page)?.[0];
    expect(table).toContain('Corp SSO');
    expect(table).toContain('lin@corp.example');
    const response = await agent.submit(table!, {});
    expect(response.status).toBe(303);
    expect(decodeEntities(response.headers.get('location')!)).toContain('done=identity-unlinked');
    expect(await srv.gh.store.listLinkedIdentities(user!.id)).toEqual([]);
    const after = await (await agent.request(`${srv.issuer}/admin/users?user=${user!.id}`)).text();
    expect(after).not.toContain('id="linked-identities"');
  });

  describe('connections managed through the admin API', () => {
    const managed = () => ({
      id: 'managed',
      type: 'oidc',
      name: 'Managed IdP',
      issuer: upstream.issuer,
      client_id: UPSTREAM_CLIENT_ID,
      client_secret: UPSTREAM_SECRET,
      allowLoopback: true,
      trustEmailVerified: true,
    });

    it('creates a connection that people sign in with at once, without a restart', async () => {
      const created = await call('POST', 'connections', managed());
      expect(created.status).toBe(201);
      expect(created.body.connection).toMatchObject({
        id: 'managed',
        source: 'database',
        enabled: true,
        secrets: ['client_secret'],
      });
      expect(JSON.stringify(created.body)).not.toContain(UPSTREAM_SECRET);
      const flow = await beginUpstreamSignIn(srv, 'Managed IdP');
      const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'kim');
      expect(callback.pathname).toBe('/connections/managed/callback');
      const done = await continueToClient(flow.agent, await flow.agent.request(callback.href));
      expect(done.location?.searchParams.get('code')).toBeTruthy();
      const user = await srv.gh.store.getUserByEmail('kim@corp.example');
      expect(await srv.gh.store.listLinkedIdentities(user!.id)).toEqual([
        expect.objectContaining({ connectionId: 'managed', subject: 'kim' }),
      ]);
      const [event] = await srv.gh.store.listAuditEvents({ type: 'connection.created', limit: 1 });
      expect(event).toMatchObject({ actor: expect.stringContaining('ops-bot') });
      expect(JSON.stringify(event)).not.toContain(UPSTREAM_SECRET);
    });

    it('lists configured connections as read-only and stored ones as editable, secrets sealed at rest', async () => {
      const { body } = await call('GET', 'connections');
      const list = body.connections as { id: string; source: string }[];
      expect(list.map((c) => [c.id, c.source])).toEqual([
        ['corp', 'config'],
        ['old', 'config'],
        ['managed', 'database'],
      ]);
      const one = await call('GET', 'connections/managed');
      expect(one.body.connection).toMatchObject({ definition: { name: 'Managed IdP', enabled: true } });
      expect((await call('GET', 'connections/corp')).body.connection).toMatchObject({ source: 'config' });
      expect((await call('GET', 'connections/nothing')).status).toBe(404);
      const [row] = await srv.gh.store.listConnectionDefinitions();
      expect(row!.definition).not.toContain(UPSTREAM_SECRET);
      expect(row!.secretsEncrypted).toBeTruthy();
      expect(row!.secretsEncrypted).not.toContain(UPSTREAM_SECRET);
      expect(JSON.stringify(body)).not.toContain(UPSTREAM_SECRET);
    });

    it('a disabled connection loses its button and refuses to start at once; enabling brings it back', async () => {
      const off = await call('PATCH', 'connections/managed', { enabled: false });
      expect(off.body.connection).toMatchObject({ enabled: false });
      const agent = new UserAgent(srv.origin);
      const page = await (await agent.request(`${srv.issuer}/login`)).text();
      expect(page).toContain('Continue with Corp SSO');
      expect(page).not.toContain('Continue with Managed IdP');
      expect((await agent.request(`${srv.issuer}/connections/managed/start`)).status).toBe(403);
      const [event] = await srv.gh.store.listAuditEvents({ type: 'connection.disabled', limit: 1 });
      expect(event?.detail).toMatchObject({ connection: 'managed' });
      await call('PATCH', 'connections/managed', { enabled: true });
      expect((await agent.request(`${srv.issuer}/connections/managed/start`)).status).toBe(302);
    });

    it('replaces a definition keeping the stored secret it leaves out, and merges a patch', async () => {
      const { client_secret: _secret, ...rest } = managed();
      const put = await call('PUT', 'connections/managed', { ...rest, name: 'Managed SSO' });
      expect(put.status).toBe(200);
      expect(put.body.connection).toMatchObject({ name: 'Managed SSO', secrets: ['client_secret'] });
      const patched = await call('PATCH', 'connections/managed', { domains: ['corp.example'] });
      expect(patched.body.connection).toMatchObject({
        name: 'Managed SSO',
        definition: { domains: ['corp.example'], trustEmailVerified: true },
      });
      const flow = await beginUpstreamSignIn(srv, 'Managed SSO');
      const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'kim');
      const done = await continueToClient(flow.agent, await flow.agent.request(callback.href));
      expect(done.location?.searchParams.get('code')).toBeTruthy();
      const renamed = await call('PATCH', 'connections/managed', { id: 'other' });
      expect(renamed.status).toBe(400);
    });

    it('stores a SAML connection with its IdP metadata pasted in, validated by the SAML schema', async () => {
      const idp = await startSamlIdp();
      try {
        const metadata_xml = idp.metadataXml();
        const created = await call('POST', 'connections', {
          id: 'acme',
          type: 'saml',
          name: 'Acme',
          metadata_xml,
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        expect(created.body.connection).toMatchObject({ id: 'acme', type: 'saml', source: 'database' });
        const both = await call('POST', 'connections', { id: 'acme2', type: 'saml', name: 'Acme' });
        expect(both.status).toBe(400);
        expect(both.body.error_description).toMatch(/^metadata_url: /);
        const page = await (await new UserAgent(srv.origin).request(`${srv.issuer}/login`)).text();
        expect(page).toContain('Continue with Acme');
        expect((await call('DELETE', 'connections/acme')).status).toBe(200);
      } finally {
        await idp.close();
      }
    });

    it('deletes a stored connection (its sign-in is gone) but never a configured one', async () => {
      expect((await call('DELETE', 'connections/corp')).status).toBe(409);
      expect((await call('PATCH', 'connections/corp', { enabled: false })).status).toBe(409);
      const deleted = await call('DELETE', 'connections/managed');
      expect(deleted.status).toBe(200);
      expect((await call('DELETE', 'connections/managed')).status).toBe(404);
      const agent = new UserAgent(srv.origin);
      expect((await agent.request(`${srv.issuer}/connections/managed/start`)).status).toBe(404);
      const [event] = await srv.gh.store.listAuditEvents({ type: 'connection.deleted', limit: 1 });
      expect(event?.detail).toMatchObject({ connection: 'managed' });
    });
  });
});
