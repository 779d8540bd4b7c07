import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { recordOrganizationChoice } from '../../src/interaction/organization.js';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { authorizeUrl, decodeJwt } from '../helpers/oauth.js';
import {
  follow,
  LONER,
  pickerChoices,
  SOLO,
  signInFor,
  singleSignOnLink,
  startWithOrganizations,
  tokensOf,
} from '../helpers/organizations.js';
import { TEST_SECRET } from '../helpers/server.js';
import { signInUpstream } from '../helpers/upstream-oidc.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * Issue 16, organizations under attack: `org_id` comes only from a membership the user has now; a
 * choice cannot be forged, replayed by someone else or smuggled in request parameters; a person signed
 * in by organization A's IdP never acts in B; a domain belongs to one organization; home-realm
 * discovery says nothing about which accounts exist.
 */
describe('organizations: attacks', () => {
  let env: Awaited<ReturnType<typeof startWithOrganizations>>;
  const store = () => env.srv.gh.store;

  beforeAll(async () => {
    env = await startWithOrganizations();
  });
  afterAll(() => env?.close());

  it('refuses a picker choice of an organization the user is not a member of, and audits it', async () => {
    const flow = await signInFor(env.srv, USER);
    expect(pickerChoices(flow.outcome.page!).map(([id]) => id)).not.toContain('org_acme');
    const refused = await flow.agent.submit(flow.outcome.page!, { organization: 'org_acme' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('location')).toBeNull();
    const events = await store().listAuditEvents({ type: 'organization.choice_refused', limit: 5 });
    expect(events[0]?.detail).toMatchObject({ organization: 'org_acme', reason: 'not a member' });
  });

  it('refuses a picker answer without the session’s CSRF token or from another site', async () => {
    const flow = await signInFor(env.srv, USER);
    const page = flow.outcome.page!;
    const forged = await flow.agent.submit(
      page.replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="x"'),
      {
        organization: 'org_beta',
      },
    );
    expect(forged.status).toBe(403);
    const crossSite = await flow.agent.submit(
      page,
      { organization: 'org_beta' },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
  });

  it('ignores org_id and similar parameters on the authorization request: only memberships count', async () => {
    const flow = await signInFor(env.srv, LONER, {
      org_id: 'org_beta',
      org: 'org_beta',
      organization_id: 'org_beta',
    });
    const tokens = await tokensOf(env.srv, flow.outcome.location, flow.verifier);
    expect(decodeJwt(tokens.access_token).payload.org_id).toBeUndefined();
  });

  it('treats an organization hint the user is not a member of as no hint', async () => {
    const loner = await signInFor(env.srv, LONER, { organization: 'org_beta' });
    const tokens = await tokensOf(env.srv, loner.outcome.location, loner.verifier);
    expect(decodeJwt(tokens.access_token).payload.org_id).toBeUndefined();
    const ada = await signInFor(env.srv, USER, { organization: 'org_acme' });
    expect(ada.outcome.page).toContain('Choose an organization');
  });

  it('refuses a malformed organization hint with invalid_request, redirected to the client after sign-in', async () => {
    const flow = await signInFor(env.srv, USER, { organization: 'Org Beta<script>' });
    expect(flow.outcome.location?.searchParams.get('error')).toBe('invalid_request');
    expect(flow.outcome.location?.searchParams.get('code')).toBeNull();
  });

  it('voids a sealed choice replayed into another user’s sign-in', async () => {
    // Ada's interaction after choosing Beta: the resume URL carries the sealed choice.
    const ada = await signInFor(env.srv, USER);
    const chosen = await ada.agent.submit(ada.outcome.page!, { organization: 'org_beta' });
    const resume = new URL(chosen.headers.get('location')!, env.srv.origin);
    // Solo signs in, then opens Ada's resume URL in Solo's own browser.
    const solo = new UserAgent(env.srv.origin);
    const login = await (await solo.request(`${env.srv.issuer}/login`)).text();
    expect((await solo.submit(login, SOLO)).status).toBe(303);
    const done = await follow(solo, await solo.request(resume.href));
    const tokens = await tokensOf(env.srv, done.location, ada.verifier);
    const claims = decodeJwt(tokens.access_token).payload;
    expect(claims.org_id).toBe('org_gamma');
    expect(claims.sub).not.toBe((await store().getUserByEmail(USER.email))!.id);
  });

  it('never gives org B’s org_id to someone signed in through org A’s connection', async () => {
    // Grace signs in once through Acme's IdP, then is also made a member of Beta.
    const first = await ssoSignIn();
    const grace = (await store().getUserByEmail('grace@acme.example'))!;
    expect(decodeJwt(first.tokens.access_token).payload.org_id).toBe('org_acme');
    await store().saveMembership({
      organizationId: 'org_beta',
      userId: grace.id,
      roles: ['admin'],
      createdAt: 0,
      updatedAt: 0,
    });
    const again = await ssoSignIn({ organization: 'org_beta' });
    expect(decodeJwt(again.tokens.access_token).payload.org_id).toBe('org_acme');
    // The choice recorded by the connection cannot be changed, by the page or the headless API.
    await expect(
      recordOrganizationChoice(env.srv.gh.context, {
        interaction: again.boundInteraction,
        user: grace,
        organizationId: 'org_beta',
      }),
    ).rejects.toMatchObject({ error: 'forbidden' });
  });

  async function ssoSignIn(overrides: Record<string, string> = {}) {
    const request = authorizeUrl(env.srv, overrides);
    const agent = new UserAgent(env.srv.origin);
    let response = await agent.request(request.url);
    while (response.status === 302 || response.status === 303)
      response = await agent.request(response.headers.get('location')!);
    const routed = await agent.submit(await response.text(), { email: 'grace@acme.example', sso: '1' });
    const upstream = await agent.request(new URL(await singleSignOnLink(routed), env.srv.origin).href);
    const callback = await signInUpstream(agent, upstream.headers.get('location')!, 'grace');
    const back = await agent.request(callback.href);
    const boundInteraction = new URL(back.headers.get('location')!, env.srv.origin).searchParams.get(
      'interaction',
    )!;
    const done = await follow(agent, back);
    return { tokens: await tokensOf(env.srv, done.location, request.verifier), boundInteraction };
  }

  it('answers "Continue with SSO" the same for an existing and an unknown account of one domain', async () => {
    const answer = async (email: string) => {
      const agent = new UserAgent(env.srv.origin);
      const page = await (await agent.request(`${env.srv.issuer}/login`)).text();
      const response = await agent.submit(page, { email, sso: '1' });
      const body = (await response.text())
        .replaceAll(email, 'EMAIL')
        .replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value="X"');
      return { status: response.status, location: response.headers.get('location'), body };
    };
    expect(await answer(USER.email)).toEqual(await answer('nobody-here@example.com'));
    const known = await answer('grace@acme.example');
    const unknown = await answer('not-a-user@acme.example');
    expect(known.status).toBe(200);
    expect(known.body).toContain('Continue to single sign-on');
    expect(known).toEqual(unknown);
  });

  it('refuses a domain claimed by two organizations, in the configuration and through the store', async () => {
    expect(() =>
      resolveConfig({
        ...baseOptions(),
        issuer: 'http://127.0.0.1:4000',
        secret: TEST_SECRET,
        organizations: [
          { id: 'one', name: 'One', domains: ['shared.example'] },
          { id: 'two', name: 'Two', domains: ['shared.example'] },
        ],
      }),
    ).toThrow(/"shared\.example" already belongs to organization "one"/);
    await expect(
      store().createOrganization({
        id: 'org_copycat',
        name: 'Copycat',
        domains: ['acme.example'],
        connection: 'evil',
        source: 'admin',
        createdAt: 0,
        updatedAt: 0,
      }),
    ).rejects.toMatchObject({ name: 'UniqueViolation' });
    expect((await store().getOrganizationByDomain('acme.example'))?.id).toBe('org_acme');
  });
});
