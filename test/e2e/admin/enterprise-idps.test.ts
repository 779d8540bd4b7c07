/**
 * Trusted enterprise IdPs stored at run time (issue 17): added, changed and removed through the admin
 * API and the dashboard, and used at once by the ID-JAG grant (jwt-bearer) of a confidential client:
 * an IdP added through the API is trusted on the next token request, a removed one is refused on the
 * next. Configured IdPs are listed but read-only. Every change is audited with the administrator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminToken, dcrOptions } from '../../helpers/dcr.js';
import { EnterpriseIdp } from '../../helpers/enterprise-idp.js';
import { RESOURCE, USER } from '../../helpers/fixtures.js';
import { basic, decodeJwt, tokenRequest } from '../../helpers/oauth.js';
import type { UserAgent } from '../../helpers/user-agent.js';
import { ADMIN, type AdminServer, dashboardCsrf, signIn, startAdminServer } from './support.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT = 'enterprise-agent';
const AGENT_SECRET = 'enterprise-agent-secret-0123456789-abcdef';

let srv: AdminServer;
let call: ReturnType<typeof admin>;
let configured: EnterpriseIdp;
let added: EnterpriseIdp;

beforeAll(async () => {
  configured = await EnterpriseIdp.start();
  added = await EnterpriseIdp.start();
  srv = await startAdminServer((origin) => ({
    users: [
      { ...USER, email_verified: true },
      { ...ADMIN, admin: true },
    ],
    clients: [
      ...dcrOptions({}, origin).clients!,
      {
        client_id: AGENT,
        client_secret: AGENT_SECRET,
        grant_types: [GRANT],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'todos.read todos.write',
      },
    ],
    enterprise: { idps: [{ issuer: configured.issuer, jwks_uri: configured.jwksUri, subject: 'email' }] },
  }));
  call = admin(srv.issuer, await adminToken(srv.issuer));
});
afterAll(async () => {
  await srv?.close();
  await configured?.close();
  await added?.close();
});

const path = (issuer: string) => `enterprise/idps/${encodeURIComponent(issuer)}`;

async function present(idp: EnterpriseIdp, claims: Record<string, unknown> = {}) {
  const assertion = await idp.sign(
    { audience: srv.issuer, clientId: AGENT, resource: RESOURCE, email: USER.email, scope: 'todos.read' },
    claims,
  );
  return tokenRequest(srv, { grant_type: GRANT, assertion }, { authorization: basic(AGENT, AGENT_SECRET) });
}

async function lastEvent(type: string) {
  const [event] = await srv.gh.store.listAuditEvents({ type, limit: 1 });
  return event;
}

describe('enterprise IdPs through the admin API', () => {
  it('an IdP added through the API (loopback JWKS URL, operator-trusted) is trusted by the very next ID-JAG grant', async () => {
    const before = await present(added);
    expect([before.status, before.body.error]).toEqual([400, 'invalid_grant']);
    const created = await call('POST', 'enterprise/idps', {
      issuer: added.issuer,
      jwks_uri: added.jwksUri,
      subject: 'email',
      name: 'Acme IdP',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.idp).toMatchObject({ issuer: added.issuer, source: 'database', name: 'Acme IdP' });
    expect(await lastEvent('enterprise.idp_added')).toMatchObject({
      actor: 'client:ops-bot',
      detail: { issuer: added.issuer, subject: 'email' },
    });
    const granted = await present(added);
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    const claims = decodeJwt(String(granted.body.access_token)).payload;
    expect(claims).toMatchObject({ aud: RESOURCE, client_id: AGENT, scope: 'todos.read' });
    expect(claims.sub).toBe((await srv.gh.store.getUserByEmail(USER.email))!.id);
    // The metadata keeps advertising the grant (a configured IdP exists too).
    const metadata = await (await fetch(`${srv.issuer}/.well-known/oauth-authorization-server`)).json();
    expect(metadata.grant_types_supported).toContain(GRANT);
  });

  it('lists the configured IdP (read-only) and the stored one; the configured one cannot be changed, removed or shadowed', async () => {
    const list = await call('GET', 'enterprise/idps');
    expect(list.status).toBe(200);
    const idps = list.body.idps as { issuer: string; source: string }[];
    expect(idps.map((i) => [i.issuer, i.source])).toEqual([
      [configured.issuer, 'config'],
      [added.issuer, 'database'],
    ]);
    expect((await call('PUT', path(configured.issuer), { subject: 'sub' })).status).toBe(409);
    expect((await call('DELETE', path(configured.issuer))).status).toBe(409);
    const shadow = await call('POST', 'enterprise/idps', {
      issuer: configured.issuer,
      jwks_uri: added.jwksUri,
      subject: 'email',
    });
    expect(shadow.status).toBe(409);
    const twice = await call('POST', 'enterprise/idps', {
      issuer: added.issuer,
      jwks_uri: added.jwksUri,
      subject: 'email',
    });
    expect(twice.status).toBe(409);
  });

  it('refuses what the configuration schema refuses, naming the field: no keys, alg none or HS256, a bad subject rule', async () => {
    const bad = [
      { issuer: 'https://idp.example', subject: 'email' },
      {
        issuer: 'https://idp.example',
        jwks_uri: 'https://idp.example/jwks',
        subject: 'email',
        algorithms: ['none'],
      },
      {
        issuer: 'https://idp.example',
        jwks_uri: 'https://idp.example/jwks',
        subject: 'email',
        algorithms: ['HS256'],
      },
      { issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks', subject: 'anyone' },
      { issuer: 'not a url', jwks_uri: 'https://idp.example/jwks', subject: 'email' },
    ];
    for (const body of bad) {
      const response = await call('POST', 'enterprise/idps', body);
      expect([response.status, response.body.error], JSON.stringify(body)).toEqual([400, 'invalid_request']);
    }
    expect((await call('GET', path('https://idp.example'))).status).toBe(404);
  });

  it('a change (PUT) counts at the next grant: mapping by linked sub refuses the e-mail user, JIT signup then creates one', async () => {
    const changed = await call('PUT', path(added.issuer), { jwks_uri: added.jwksUri, subject: 'sub' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(await lastEvent('enterprise.idp_changed')).toMatchObject({ detail: { subject: 'sub' } });
    const refused = await present(added, { sub: 'acme-user-1', email: 'new.person@acme.example' });
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_grant']);
    await call('PUT', path(added.issuer), { jwks_uri: added.jwksUri, subject: 'sub', signup: true });
    const jit = await present(added, { sub: 'acme-user-1', email: 'new.person@acme.example' });
    expect(jit.status, JSON.stringify(jit.body)).toBe(200);
    expect(await srv.gh.store.getUserByEmail('new.person@acme.example')).toBeDefined();
    const renamed = await call('PUT', path(added.issuer), {
      issuer: 'https://elsewhere.example',
      subject: 'sub',
    });
    expect(renamed.status).toBe(400);
  });

  it('removing the IdP makes its next assertion fail at once on this instance, and is audited', async () => {
    expect((await present(added, { sub: 'acme-user-1' })).status).toBe(200);
    const removed = await call('DELETE', path(added.issuer));
    expect(removed.status).toBe(204);
    expect(await lastEvent('enterprise.idp_removed')).toMatchObject({
      actor: 'client:ops-bot',
      detail: { issuer: added.issuer },
    });
    const after = await present(added, { sub: 'acme-user-1' });
    expect([after.status, after.body.error]).toEqual([400, 'invalid_grant']);
    expect((await call('DELETE', path(added.issuer))).status).toBe(404);
  });
});

describe('enterprise IdPs on the dashboard', () => {
  let agent: UserAgent;
  let csrf: string;
  const post = (fields: Record<string, string>) =>
    agent.request(`${srv.issuer}/admin/enterprise/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: srv.origin },
      body: new URLSearchParams({ csrf, ...fields }),
    });

  beforeAll(async () => {
    ({ agent } = await signIn(srv.origin, srv.issuer, ADMIN));
    csrf = await dashboardCsrf(agent, srv.issuer);
  });

  it('the "Enterprise IdPs" page is in the navigation and lists the configured IdP', async () => {
    const page = await (await agent.request(`${srv.issuer}/admin/enterprise`)).text();
    expect(page).toMatch(/<a href="[^"]*\/admin\/enterprise" aria-current="page">Enterprise IdPs<\/a>/);
    expect(page).toContain(configured.issuer);
    expect(page).toContain('Configuration file');
  });

  it('the add form stores an IdP (inline keys, JIT signup) that the grant trusts at once; Remove, once confirmed, takes it away', async () => {
    const response = await post({
      op: 'add',
      issuer: added.issuer,
      name: 'Acme via dashboard',
      jwks: JSON.stringify({ keys: added.published.map((k) => k.jwk) }),
      subject: 'email',
      signup: 'yes',
    });
    expect(response.status).toBe(303);
    const admin = (await srv.gh.store.getUserByEmail(ADMIN.email))!;
    expect(await lastEvent('enterprise.idp_added')).toMatchObject({ actor: `user:${admin.id}` });
    const page = await (await agent.request(`${srv.issuer}${response.headers.get('location')}`)).text();
    expect(page).toContain('Acme via dashboard');
    expect(page).toContain('Just-in-time users');
    expect((await present(added, { email: 'jit.dashboard@acme.example' })).status).toBe(200);
    // Remove asks first and changes nothing until confirmed.
    const asked = await post({ op: 'remove', issuer: added.issuer });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('name="confirmed" value="yes"');
    expect((await present(added, { email: 'jit.dashboard@acme.example' })).status).toBe(200);
    expect((await post({ op: 'remove', issuer: added.issuer, confirmed: 'yes' })).status).toBe(303);
    expect((await present(added)).status).toBe(400);
  });

  it('bad input comes back as a page saying nothing was changed, not a server error', async () => {
    const response = await post({ op: 'add', issuer: added.issuer, jwks: '{not json', subject: 'email' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Nothing was changed.');
    const noKeys = await post({ op: 'add', issuer: added.issuer, subject: 'email' });
    expect(noKeys.status).toBe(400);
  });
});
