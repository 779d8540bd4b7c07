import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER } from '../../helpers/fixtures.js';
import { authorizeUrl, decodeJwt, introspect, refresh } from '../../helpers/oauth.js';
import {
  follow,
  LONER,
  pickerChoices,
  SOLO,
  signInFor,
  singleSignOnLink,
  startWithOrganizations,
  tokensOf,
} from '../../helpers/organizations.js';
import { signInUpstream } from '../../helpers/upstream-oidc.js';
import { UserAgent } from '../../helpers/user-agent.js';

/**
 * Issue 16, organizations over real HTTP: the picker after sign-in, `org_id` and `roles` in access
 * tokens, kept across refresh (the reference product loses `org_id` there), introspection, and
 * home-realm discovery to an organization's upstream OpenID provider (a real oidc-provider).
 */
describe('organizations', () => {
  let env: Awaited<ReturnType<typeof startWithOrganizations>>;

  beforeAll(async () => {
    env = await startWithOrganizations();
  });
  afterAll(() => env?.close());

  async function pickBeta() {
    const flow = await signInFor(env.srv, USER);
    expect(flow.outcome.page).toContain('Choose an organization');
    const chosen = await follow(
      flow.agent,
      await flow.agent.submit(flow.outcome.page!, { organization: 'org_beta' }),
    );
    return tokensOf(env.srv, chosen.location, flow.verifier);
  }

  it('shows a member of several organizations a picker with one labelled choice per organization', async () => {
    const flow = await signInFor(env.srv, USER);
    expect(flow.outcome.status).toBe(200);
    expect(flow.outcome.page).toContain('<legend>Organization</legend>');
    expect(pickerChoices(flow.outcome.page!)).toEqual([
      ['org_beta', 'Beta'],
      ['org_gamma', 'Gamma'],
    ]);
    expect(flow.outcome.page).toContain('>Continue</button>');
  });

  it('puts the chosen org_id and, for the roles scope, the member’s roles in the access token', async () => {
    const tokens = await pickBeta();
    const claims = decodeJwt(tokens.access_token).payload;
    expect(claims.org_id).toBe('org_beta');
    expect(claims.roles).toEqual(['admin', 'billing']);
    expect(tokens.scope.split(' ')).toContain('roles');
  });

  it('keeps org_id on refresh (the reference product loses it) and reads the roles of the day', async () => {
    const tokens = await pickBeta();
    const first = await refresh(env.srv, tokens.refresh_token);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(decodeJwt(first.body.access_token).payload.org_id).toBe('org_beta');
    const ada = await env.srv.gh.store.getUserByEmail(USER.email);
    await env.srv.gh.store.saveMembership({
      organizationId: 'org_beta',
      userId: ada!.id,
      roles: ['viewer'],
      createdAt: 0,
      updatedAt: Date.now(),
    });
    const second = await refresh(env.srv, first.body.refresh_token);
    expect(second.status).toBe(200);
    const claims = decodeJwt(second.body.access_token).payload;
    expect(claims.org_id).toBe('org_beta');
    expect(claims.roles).toEqual(['viewer']);
    // A narrower refresh without the roles scope keeps the organization and drops the roles.
    const narrow = await refresh(env.srv, second.body.refresh_token, { scope: 'todos.read' });
    expect(narrow.status).toBe(200);
    expect(decodeJwt(narrow.body.access_token).payload).toMatchObject({ org_id: 'org_beta' });
    expect(decodeJwt(narrow.body.access_token).payload.roles).toBeUndefined();
    await env.srv.gh.store.saveMembership({
      organizationId: 'org_beta',
      userId: ada!.id,
      roles: ['admin', 'billing'],
      createdAt: 0,
      updatedAt: Date.now(),
    });
  });

  it('shows org_id and roles in introspection of the access token, and org_id of the refresh token', async () => {
    const tokens = await pickBeta();
    const access = await introspect(env.srv, tokens.access_token);
    expect(access.body).toMatchObject({ active: true, org_id: 'org_beta', roles: ['admin', 'billing'] });
    const refreshToken = await introspect(env.srv, tokens.refresh_token);
    expect(refreshToken.body).toMatchObject({ active: true, org_id: 'org_beta' });
  });

  it('refuses to refresh a grant once the user is no longer a member of its organization', async () => {
    const flow = await signInFor(env.srv, SOLO);
    const tokens = await tokensOf(env.srv, flow.outcome.location, flow.verifier);
    const solo = await env.srv.gh.store.getUserByEmail(SOLO.email);
    await env.srv.gh.store.removeMembership('org_gamma', solo!.id);
    try {
      const refused = await refresh(env.srv, tokens.refresh_token);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_grant');
    } finally {
      await env.srv.gh.store.saveMembership({
        organizationId: 'org_gamma',
        userId: solo!.id,
        roles: ['viewer'],
        createdAt: 0,
        updatedAt: 0,
      });
    }
  });

  it('chooses the only organization of a member of one without asking', async () => {
    const flow = await signInFor(env.srv, SOLO);
    const tokens = await tokensOf(env.srv, flow.outcome.location, flow.verifier);
    expect(decodeJwt(tokens.access_token).payload).toMatchObject({ org_id: 'org_gamma', roles: ['viewer'] });
  });

  it('issues no org_id to a user who belongs to no organization', async () => {
    const flow = await signInFor(env.srv, LONER);
    const tokens = await tokensOf(env.srv, flow.outcome.location, flow.verifier);
    const claims = decodeJwt(tokens.access_token).payload;
    expect(claims.org_id).toBeUndefined();
    expect(claims.roles).toBeUndefined();
  });

  it('skips the picker when the request’s organization hint names one of the user’s organizations', async () => {
    const flow = await signInFor(env.srv, USER, { organization: 'org_gamma', scope: 'todos.read' });
    const tokens = await tokensOf(env.srv, flow.outcome.location, flow.verifier);
    const claims = decodeJwt(tokens.access_token).payload;
    expect(claims.org_id).toBe('org_gamma');
    // No roles scope, no roles claim.
    expect(claims.roles).toBeUndefined();
  });

  it('answers prompt=none with interaction_required when a signed-in member of several organizations must choose', async () => {
    const flow = await signInFor(env.srv, USER);
    expect(flow.outcome.page).toContain('Choose an organization');
    const silent = authorizeUrl(env.srv, { prompt: 'none' });
    const response = await flow.agent.request(silent.url);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('interaction_required');
    expect(location.searchParams.get('state')).toBe(silent.state);
  });

  it('offers "Continue with SSO" on the sign-in page and routes an SSO domain to its organization’s connection', async () => {
    const request = authorizeUrl(env.srv);
    const agent = new UserAgent(env.srv.origin);
    let response = await agent.request(request.url);
    while (response.status === 302 || response.status === 303)
      response = await agent.request(response.headers.get('location')!);
    const page = await response.text();
    expect(page).toContain('<button type="submit" name="sso" value="1">Continue with SSO</button>');
    const routed = await agent.submit(page, { email: 'grace@acme.example', sso: '1' });
    const start = new URL(await singleSignOnLink(routed), env.srv.origin);
    expect(start.pathname).toBe(new URL(`${env.srv.issuer}/connections/corp/start`).pathname);
    const upstream = await agent.request(start.href);
    expect(upstream.status).toBe(302);
    const callback = await signInUpstream(agent, upstream.headers.get('location')!, 'grace');
    const done = await follow(agent, await agent.request(callback.href));
    expect(done.location?.searchParams.get('state'), done.page?.slice(0, 300)).toBe(request.state);
    const tokens = await tokensOf(env.srv, done.location, request.verifier);
    expect(decodeJwt(tokens.access_token).payload.org_id).toBe('org_acme');
  });

  it('sends an SSO domain to its connection even when "Sign in" is pressed with a password', async () => {
    const agent = new UserAgent(env.srv.origin);
    const page = await (await agent.request(`${env.srv.issuer}/login`)).text();
    const routed = await agent.submit(page, { email: 'someone@ACME.example', password: 'whatever it is' });
    expect(await singleSignOnLink(routed)).toContain('/connections/corp/start');
  });

  it('tells "Continue with SSO" for a domain without single sign-on to use a password, and signs nobody in', async () => {
    const agent = new UserAgent(env.srv.origin);
    const page = await (await agent.request(`${env.srv.issuer}/login`)).text();
    const answer = await agent.submit(page, { email: USER.email, sso: '1' });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('Single sign-on is not set up for this email domain');
    expect([...agent.cookies.keys()].some((k) => k.includes('session'))).toBe(false);
  });
});
