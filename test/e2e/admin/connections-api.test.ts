import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminToken } from '../../helpers/dcr.js';
import { beginUpstreamSignIn, continueToClient } from '../../helpers/upstream-flow.js';
import {
  signInUpstream,
  startUpstream,
  UPSTREAM_SECRET,
  type Upstream,
} from '../../helpers/upstream-oidc.js';
import { decodeEntities } from '../../helpers/user-agent.js';
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
    upstream = await startUpstream({ lin: { email: 'lin@corp.example', email_verified: true } });
    srv = await startAdminServer((origin) => {
      upstream.configure(origin);
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
});
