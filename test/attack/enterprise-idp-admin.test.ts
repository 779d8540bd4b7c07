/**
 * Who may change the trusted enterprise IdPs (issue 17): adding an IdP lets it mint access tokens for
 * any user it names, so only an administrator may, through the admin API (admin token, or an admin's
 * session with its CSRF header) or the dashboard (same origin, session CSRF token). Everyone else —
 * no token, an ordinary user's session, a user's access token for another resource, a cross-site form
 * — changes nothing, and the IdP's ID-JAGs stay refused. A removed IdP is refused at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type AdminServer,
  dashboardCsrf,
  sessionApi,
  signIn,
  startAdminServer,
} from '../e2e/admin/support.js';
import { admin, adminToken, dcrOptions } from '../helpers/dcr.js';
import { EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { RESOURCE, USER } from '../helpers/fixtures.js';
import { basic, obtainTokens, tokenRequest } from '../helpers/oauth.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT = 'enterprise-agent';
const AGENT_SECRET = 'enterprise-agent-secret-0123456789-abcdef';

let srv: AdminServer;
let rogue: EnterpriseIdp;

beforeAll(async () => {
  rogue = await EnterpriseIdp.start();
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
        scope: 'todos.read',
      },
    ],
  }));
});
afterAll(async () => {
  await srv?.close();
  await rogue?.close();
});

const definition = () => ({ issuer: rogue.issuer, jwks_uri: rogue.jwksUri, subject: 'email' });

async function rogueGrant() {
  const assertion = await rogue.sign({
    audience: srv.issuer,
    clientId: AGENT,
    resource: RESOURCE,
    email: USER.email,
    scope: 'todos.read',
  });
  return tokenRequest(srv, { grant_type: GRANT, assertion }, { authorization: basic(AGENT, AGENT_SECRET) });
}

async function expectNotTrusted() {
  expect(await srv.gh.store.listEnterpriseIdps()).toEqual([]);
  const refused = await rogueGrant();
  // No IdP trusted at all: the grant is not offered (RFC 6749 §5.2), as the metadata then says.
  expect([refused.status, refused.body.error]).toEqual([400, 'unsupported_grant_type']);
}

describe('adding an enterprise IdP takes an administrator', () => {
  it('no token, a garbage token, or a user access token for another resource: 401, nothing stored', async () => {
    const user = await obtainTokens(srv, { scope: 'todos.read' });
    for (const authorization of [undefined, 'Bearer nonsense', `Bearer ${user.access_token}`]) {
      const response = await fetch(`${srv.issuer}/admin/api/enterprise/idps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(definition()),
      });
      expect(response.status, String(authorization)).toBe(401);
    }
    await expectNotTrusted();
  });

  it("an ordinary user's session, with its own CSRF token, is refused (403) by the API and the dashboard", async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, USER);
    const api = sessionApi(agent, srv.issuer, 'whatever');
    expect((await api('POST', 'enterprise/idps', definition())).status).toBe(403);
    const form = await agent.request(`${srv.issuer}/admin/enterprise/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: srv.origin },
      body: new URLSearchParams({ op: 'add', csrf: 'whatever', ...definition() }),
    });
    expect(form.status).toBe(403);
    await expectNotTrusted();
  });

  it("an administrator's session without the CSRF token, or a cross-site form, changes nothing", async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const noCsrf = await sessionApi(agent, srv.issuer)('POST', 'enterprise/idps', definition());
    expect(noCsrf.status).toBe(403);
    const csrf = await dashboardCsrf(agent, srv.issuer);
    const body = new URLSearchParams({ op: 'add', ...definition() });
    const forms: [string, Record<string, string>, URLSearchParams][] = [
      ['no csrf field', { origin: srv.origin }, body],
      [
        'a wrong csrf field',
        { origin: srv.origin },
        new URLSearchParams({ ...Object.fromEntries(body), csrf: `${csrf}x` }),
      ],
      [
        'another origin',
        { origin: 'https://evil.example' },
        new URLSearchParams({ ...Object.fromEntries(body), csrf }),
      ],
    ];
    for (const [what, headers, form] of forms) {
      const response = await agent.request(`${srv.issuer}/admin/enterprise/action`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: form,
      });
      expect(response.status, what).toBe(403);
    }
    await expectNotTrusted();
  });

  it('the administrator can; removing the IdP refuses its next assertion at once', async () => {
    const call = admin(srv.issuer, await adminToken(srv.issuer));
    expect((await call('POST', 'enterprise/idps', definition())).status).toBe(201);
    expect((await rogueGrant()).status).toBe(200);
    expect((await call('DELETE', `enterprise/idps/${encodeURIComponent(rogue.issuer)}`)).status).toBe(204);
    await expectNotTrusted();
  });
});
