import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminServer,
  dashboardCsrf,
  sessionApi,
  signIn,
  startAdminServer,
} from '../e2e/admin/support.js';
import { admin, adminToken } from '../helpers/dcr.js';
import { USER } from '../helpers/fixtures.js';
import { beginUpstreamSignIn } from '../helpers/upstream-flow.js';
import {
  signInUpstream,
  startUpstream,
  UPSTREAM_CLIENT_ID,
  UPSTREAM_SECRET,
  type Upstream,
} from '../helpers/upstream-oidc.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * Issue 16: connections managed at run time. Only administrators change them; a secret given to
 * Gatehouse never comes back out (responses, audit, logs) and is sealed at rest, bound to its
 * connection; a stored connection never takes a configured one's place; a definition the
 * configuration would refuse is refused here, naming the field; disabling one stops its sign-ins at
 * once. Store-backed: run with GATEHOUSE_TEST_DATABASE=postgres too.
 */
describe('managed connections: attacks', () => {
  let srv: AdminServer;
  let upstream: Upstream;
  let call: ReturnType<typeof admin>;
  const logs: string[] = [];

  const definition = (overrides: Record<string, unknown> = {}) => ({
    id: 'stored',
    type: 'oidc',
    name: 'Stored IdP',
    issuer: upstream.issuer,
    client_id: UPSTREAM_CLIENT_ID,
    client_secret: UPSTREAM_SECRET,
    allowLoopback: true,
    ...overrides,
  });

  beforeAll(async () => {
    upstream = await startUpstream({ eve: { email: 'eve@corp.example', email_verified: true } });
    srv = await startAdminServer((origin) => {
      upstream.configure(origin, ['corp', 'stored', 'second']);
      return {
        connections: [upstream.connection({ client_secret: 'configured-secret-0123456789' })],
        logger: { level: 'trace', destination: { write: (line: string) => void logs.push(line) } },
      };
    });
    call = admin(srv.issuer, await adminToken(srv.issuer));
  });
  afterAll(async () => {
    await srv?.close();
    await upstream?.close();
  });

  it('refuses anyone but an administrator: no token, a user session, a user at the dashboard', async () => {
    const anonymous = await fetch(`${srv.issuer}/admin/api/connections`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(definition()),
    });
    expect(anonymous.status).toBe(401);
    const { agent } = await signIn(srv.origin, srv.issuer, USER);
    const asUser = await sessionApi(agent, srv.issuer)('POST', 'connections', definition());
    expect(asUser.status).toBe(403);
    const form = await agent.request(`${srv.issuer}/admin/connections/new`, {
      method: 'POST',
      headers: { origin: srv.origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id: 'stored', name: 'x', issuer: upstream.issuer }),
    });
    expect(form.status).toBe(403);
    expect(await srv.gh.store.listConnectionDefinitions()).toEqual([]);
  });

  it('refuses a definition the configuration would refuse, with 400 invalid_request naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [definition({ issuer: 'http://idp.example' }), /^issuer: must use https/],
      [definition({ allowLoopback: false }), /^issuer: http is allowed only on loopback/],
      [definition({ issuer: 'https://user:pw@idp.example' }), /^issuer: must not contain userinfo/],
      [definition({ id: 'Corp!' }), /^id: must be 1-64/],
      [definition({ id: '../admin' }), /^id: must be 1-64/],
      [definition({ id: 'a'.repeat(65) }), /^id: must be 1-64/],
      [definition({ client_secret: undefined }), /^client_secret: is required/],
      [definition({ scopes: ['email'] }), /^scopes: must include .openid./],
      [definition({ name: 'Evil\u202eIdP' }), /^name: must be a plain display name/],
      [definition({ redirect: 'https://evil.example' }), /redirect/],
    ];
    for (const [body, message] of cases) {
      const { status, body: answer } = await call('POST', 'connections', body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answer.error).toBe('invalid_request');
      expect(answer.error_description).toMatch(message);
    }
    const polluted = await fetch(`${srv.issuer}/admin/api/connections`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await adminToken(srv.issuer)}`,
        'content-type': 'application/json',
      },
      body: `{"id":"stored","type":"oidc","name":"x","issuer":"${upstream.issuer}","client_id":"c","client_secret":"s","__proto__":{"allowLoopback":true}}`,
    });
    expect(polluted.status).toBe(400);
    expect(await srv.gh.store.listConnectionDefinitions()).toEqual([]);
  });

  it('never lets a stored connection take a configured id, nor serves one that has it', async () => {
    const taken = await call('POST', 'connections', definition({ id: 'corp', name: 'Impostor' }));
    expect(taken.status).toBe(409);
    expect(taken.body.error_description).toMatch(/^id: /);
    // A row with a configured id (the file gained that id later, or a direct write): ignored.
    const at = Date.now();
    await srv.gh.store.createConnectionDefinition({
      id: 'corp',
      type: 'oidc',
      definition: JSON.stringify({
        ...definition({ id: 'corp', name: 'Impostor' }),
        client_secret: undefined,
      }),
      secretsEncrypted: null,
      enabled: true,
      createdAt: at,
      updatedAt: at,
    });
    await call('POST', 'connections', definition({ id: 'second', name: 'Second IdP' }));
    const page = await (await new UserAgent(srv.origin).request(`${srv.issuer}/login`)).text();
    expect(page).toContain('Continue with Corp SSO');
    expect(page).not.toContain('Impostor');
    const listed = (await call('GET', 'connections')).body.connections as Record<string, unknown>[];
    expect(listed.filter((c) => c.id === 'corp')).toEqual([
      expect.objectContaining({ source: 'config', name: 'Corp SSO' }),
      expect.objectContaining({ source: 'database', shadowed: true }),
    ]);
    expect((await call('PATCH', 'connections/corp', { name: 'Impostor 2' })).status).toBe(409);
    await srv.gh.store.deleteConnectionDefinition('corp');
  });

  it('keeps secrets sealed and bound to their connection: swapped ciphertext is not served', async () => {
    await call('POST', 'connections', definition());
    const rows = await srv.gh.store.listConnectionDefinitions();
    const stored = rows.find((r) => r.id === 'stored')!;
    const second = rows.find((r) => r.id === 'second')!;
    expect(stored.definition + stored.secretsEncrypted).not.toContain(UPSTREAM_SECRET);
    // Someone with write access to the table moves one connection's secret to another.
    await srv.gh.store.updateConnectionDefinition({
      ...second,
      secretsEncrypted: stored.secretsEncrypted,
      updatedAt: second.updatedAt + 1,
    });
    await call('PATCH', 'connections/stored', { name: 'Stored IdP' });
    const agent = new UserAgent(srv.origin);
    expect((await agent.request(`${srv.issuer}/connections/second/start`)).status).toBe(404);
    expect((await agent.request(`${srv.issuer}/connections/stored/start`)).status).toBe(302);
    await srv.gh.store.deleteConnectionDefinition('second');
  });

  it('refuses the start and the callback of a connection disabled mid-sign-in, at once', async () => {
    const flow = await beginUpstreamSignIn(srv, 'Stored IdP');
    const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'eve');
    expect((await call('PATCH', 'connections/stored', { enabled: false })).status).toBe(200);
    const refused = await flow.agent.request(callback.href);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('turned off');
    expect(await srv.gh.store.getUserByEmail('eve@corp.example')).toBeUndefined();
    expect([...flow.agent.cookies.keys()].some((k) => k.endsWith('gatehouse_session'))).toBe(false);
    expect((await flow.agent.request(`${srv.issuer}/connections/stored/start`)).status).toBe(403);
  });

  it('never shows a secret in any response, audit event or log line', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, {
      email: 'root@example.com',
      password: 'admin password 123',
    });
    const csrf = await dashboardCsrf(agent, srv.issuer);
    const answers = [
      await call('GET', 'connections'),
      await call('GET', 'connections/stored'),
      await call('PUT', 'connections/stored', { ...definition(), client_secret: undefined }),
      await call('GET', 'settings'),
      await sessionApi(agent, srv.issuer, csrf)('GET', 'connections'),
    ];
    const pages = [
      await (await agent.request(`${srv.issuer}/admin/connections`)).text(),
      await (await agent.request(`${srv.issuer}/admin/settings`)).text(),
    ];
    const events = await srv.gh.store.listAuditEvents({ limit: 500 });
    const everything = JSON.stringify(answers) + pages.join('') + JSON.stringify(events) + logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(everything).not.toContain(UPSTREAM_SECRET);
    expect(everything).not.toContain('configured-secret-0123456789');
  });
});
