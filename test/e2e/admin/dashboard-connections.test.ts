import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * Issue 16: the dashboard's Connections page lists the configured connections (read-only) and the
 * stored ones, adds one through a form (the secret typed once, never shown again), enables, disables
 * and deletes stored ones; every form is same-origin with the session's CSRF token.
 */
describe('dashboard: connections', () => {
  let srv: AdminServer;
  let upstream: Upstream;
  let agent: UserAgent;

  beforeAll(async () => {
    upstream = await startUpstream({ joe: { email: 'joe@corp.example', email_verified: true } });
    srv = await startAdminServer((origin) => {
      upstream.configure(origin, ['corp', 'web']);
      return { connections: [upstream.connection()] };
    });
    ({ agent } = await signIn(srv.origin, srv.issuer, ADMIN));
  });
  afterAll(async () => {
    await srv?.close();
    await upstream?.close();
  });

  const page = async (path: string) => (await agent.request(`${srv.issuer}/admin${path}`)).text();
  /** The form of the table row whose first cell is `id` and whose op is `op`. */
  const rowForm = (html: string, id: string, op: string) => {
    const row = new RegExp(`<tr><td><code>${id}</code>[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    return new RegExp(`<form[^>]*>(?:(?!</form>)[\\s\\S])*value="${op}"[\\s\\S]*?</form>`).exec(row)?.[0];
  };

  it('has a Connections link and lists the configured connection as read-only', async () => {
    const html = await page('/connections');
    expect(html).toMatch(/<a href="[^"]*\/admin\/connections" aria-current="page">Connections<\/a>/);
    expect(html).toContain('<code>corp</code>');
    expect(html).toContain('Config file');
    expect(rowForm(html, 'corp', 'disable')).toBeUndefined();
  });

  it('refuses an invalid form naming the field, without echoing the secret', async () => {
    const form = await page('/connections/new');
    const response = await agent.submit(form, {
      type: 'oidc',
      id: 'web',
      name: 'Web IdP',
      issuer: 'http://idp.example',
      client_id: UPSTREAM_CLIENT_ID,
      client_secret: UPSTREAM_SECRET,
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('issuer: must use https');
    expect(html).not.toContain(UPSTREAM_SECRET);
    expect(html).toContain('value="Web IdP"');
  });

  it('refuses a cross-origin or token-less form', async () => {
    const form = await page('/connections/new');
    const fields = { type: 'oidc', id: 'web', name: 'Web', issuer: upstream.issuer, client_id: 'x' };
    expect((await agent.submit(form, fields, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await agent.submit(form, { ...fields, csrf: 'forged' })).status).toBe(403);
    expect(await srv.gh.store.listConnectionDefinitions()).toEqual([]);
  });

  it('adds an OpenID connection that people sign in with at once', async () => {
    const form = await page('/connections/new');
    const response = await agent.submit(form, {
      type: 'oidc',
      id: 'web',
      name: 'Web IdP',
      issuer: upstream.issuer,
      client_id: UPSTREAM_CLIENT_ID,
      client_secret: UPSTREAM_SECRET,
      trustEmailVerified: 'yes',
      signup: 'yes',
      allowLoopback: 'yes',
    });
    expect(response.status).toBe(303);
    const list = await agent.request(
      new URL(decodeEntities(response.headers.get('location')!), srv.origin).href,
    );
    const html = await list.text();
    expect(html).toContain('The connection was added');
    expect(html).toContain('<code>web</code>');
    expect(html).not.toContain(UPSTREAM_SECRET);
    const flow = await beginUpstreamSignIn(srv, 'Web IdP');
    const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'joe');
    const done = await continueToClient(flow.agent, await flow.agent.request(callback.href));
    expect(done.location?.searchParams.get('code')).toBeTruthy();
  });

  it('adds a SAML connection with its IdP metadata pasted into the form', async () => {
    const idp = await startSamlIdp();
    try {
      const form = await page('/connections/new');
      const response = await agent.submit(form, {
        type: 'saml',
        id: 'acme',
        name: 'Acme',
        metadata_xml: idp.metadataXml(),
        signup: 'yes',
      });
      expect(response.status).toBe(303);
      const html = await page('/connections');
      expect(html).toMatch(/<code>acme<\/code><\/td><td class="wrap">Acme<\/td><td>SAML<\/td>/);
      const signIn = await (await new UserAgent(srv.origin).request(`${srv.issuer}/login`)).text();
      expect(signIn).toContain('Continue with Acme');
      await srv.gh.store.deleteConnectionDefinition('acme');
    } finally {
      await idp.close();
    }
  });

  it('disables, enables and deletes (after a confirmation) a stored connection', async () => {
    const disabled = await agent.submit(rowForm(await page('/connections'), 'web', 'disable')!, {});
    expect(disabled.status).toBe(303);
    expect((await srv.gh.store.listConnectionDefinitions())[0]?.enabled).toBe(false);
    const enabled = await agent.submit(rowForm(await page('/connections'), 'web', 'enable')!, {});
    expect(enabled.status).toBe(303);
    expect((await srv.gh.store.listConnectionDefinitions())[0]?.enabled).toBe(true);
    const confirm = await agent.submit(rowForm(await page('/connections'), 'web', 'delete')!, {});
    expect(confirm.status).toBe(200);
    const confirmPage = await confirm.text();
    expect(confirmPage).toContain('Delete this connection?');
    expect(await srv.gh.store.listConnectionDefinitions()).toHaveLength(1);
    const deleted = await agent.submit(confirmPage.slice(confirmPage.indexOf('<main')), {});
    expect(deleted.status).toBe(303);
    expect(await srv.gh.store.listConnectionDefinitions()).toEqual([]);
    const events = await srv.gh.store.listAuditEvents({ limit: 10 });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'connection.created',
        'connection.disabled',
        'connection.enabled',
        'connection.deleted',
      ]),
    );
  });
});
