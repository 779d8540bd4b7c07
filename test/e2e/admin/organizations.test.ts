/**
 * Organizations on the admin surfaces (issue 16): the JSON API and the dashboard's "Organizations" page
 * and forms call the same operations; configured organizations are listed but not deleted; bad input
 * comes back as 400/409 (API) or a page that says nothing was changed (dashboard).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER } from '../../helpers/fixtures.js';
import type { UserAgent } from '../../helpers/user-agent.js';
import { ADMIN, type AdminServer, dashboardCsrf, sessionApi, signIn, startAdminServer } from './support.js';

let srv: AdminServer;
let agent: UserAgent;
let csrf: string;

beforeAll(async () => {
  srv = await startAdminServer(() => ({
    organizations: [{ id: 'org_config', name: 'Configured', domains: ['configured.example'] }],
  }));
  ({ agent } = await signIn(srv.origin, srv.issuer, ADMIN));
  csrf = await dashboardCsrf(agent, srv.issuer);
});
afterAll(() => srv.close());

async function post(fields: Record<string, string>) {
  return agent.request(`${srv.issuer}/admin/organizations/action`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: srv.origin },
    body: new URLSearchParams({ csrf, ...fields }),
  });
}

describe('organizations on the admin API', () => {
  it('creates, lists, adds and removes members, and deletes, each audited as the administrator', async () => {
    const api = sessionApi(agent, srv.issuer, csrf);
    const created = await api('POST', 'organizations', {
      id: 'org_api',
      name: 'API Org',
      domains: ['api.example'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const listed = await api('GET', 'organizations');
    const ids = (listed.body.organizations as { id: string }[]).map((o) => o.id);
    expect(ids).toEqual(['org_api', 'org_config']);
    const member = await api('POST', 'organizations/org_api/members', {
      email: USER.email,
      roles: ['admin'],
    });
    expect(member.status).toBe(201);
    expect(member.body.member).toMatchObject({ email: USER.email, roles: ['admin'] });
    const detail = await api('GET', 'organizations/org_api');
    expect(detail.body.members).toMatchObject([{ email: USER.email, roles: ['admin'] }]);
    expect(
      (await api('DELETE', `organizations/org_api/members/${encodeURIComponent(USER.email)}`)).status,
    ).toBe(200);
    expect((await api('DELETE', 'organizations/org_api')).status).toBe(200);
    const events = await srv.gh.store.listAuditEvents({ type: 'organization.created', limit: 5 });
    expect(events[0]?.actor).toMatch(/^user:/);
  });

  it('answers 409 for a taken domain or a configured id, 400 for a bad role, and refuses to delete a configured organization', async () => {
    const api = sessionApi(agent, srv.issuer, csrf);
    const taken = await api('POST', 'organizations', {
      id: 'org_x',
      name: 'X',
      domains: ['configured.example'],
    });
    expect(taken.status).toBe(409);
    const configured = await api('POST', 'organizations', { id: 'org_config', name: 'Again' });
    expect(configured.status).toBe(409);
    const badRole = await api('POST', 'organizations/org_config/members', {
      email: USER.email,
      roles: ['Has Space'],
    });
    expect(badRole.status).toBe(400);
    expect((await api('DELETE', 'organizations/org_config')).status).toBe(409);
    expect((await api('GET', 'organizations/org_missing')).status).toBe(404);
  });
});

describe('organizations on the dashboard', () => {
  it('has an "Organizations" link in the navigation and a create form with labelled fields', async () => {
    const page = await (await agent.request(`${srv.issuer}/admin/organizations`)).text();
    expect(page).toMatch(/<a href="[^"]*\/admin\/organizations"[^>]*>Organizations<\/a>/);
    for (const label of [
      'Organization id',
      'Name',
      'E-mail domains (comma-separated)',
      'Sign-in connection id',
    ])
      expect(page).toContain(`>${label}</label>`);
  });

  it('creates an organization, saves a member with roles and removes them through the forms', async () => {
    const created = await post({
      op: 'create',
      id: 'org_forms',
      name: 'Forms Org',
      domains: 'forms.example, forms.test',
    });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toContain('/admin/organizations?id=org_forms');
    expect((await srv.gh.store.getOrganization('org_forms'))?.domains).toEqual([
      'forms.example',
      'forms.test',
    ]);
    expect(
      (await post({ op: 'add-member', id: 'org_forms', email: USER.email, roles: 'admin, billing' })).status,
    ).toBe(303);
    const page = await (await agent.request(`${srv.issuer}/admin/organizations?id=org_forms`)).text();
    expect(page).toContain('Members of Forms Org');
    expect(page).toContain('admin, billing');
    const user = (await srv.gh.store.getUserByEmail(USER.email))!;
    expect((await post({ op: 'remove-member', id: 'org_forms', member: user.id })).status).toBe(303);
    expect(await srv.gh.store.getMembership('org_forms', user.id)).toBeUndefined();
    expect((await post({ op: 'delete', id: 'org_forms' })).status).toBe(303);
    expect(await srv.gh.store.getOrganization('org_forms')).toBeUndefined();
  });

  it('shows bad input as a page that says nothing was changed', async () => {
    const refused = await post({ op: 'create', id: 'Bad Id', name: 'Bad' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Nothing was changed.');
    const unknown = await post({ op: 'constructor', id: 'org_config' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('unknown action');
  });

  it('refuses a form without the session’s CSRF token', async () => {
    const response = await agent.request(`${srv.issuer}/admin/organizations/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: srv.origin },
      body: new URLSearchParams({ csrf: 'forged', op: 'create', id: 'org_csrf', name: 'CSRF' }),
    });
    expect(response.status).toBe(403);
    expect(await srv.gh.store.getOrganization('org_csrf')).toBeUndefined();
  });
});
