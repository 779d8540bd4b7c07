/** Organizations fixtures: Gatehouse with three organizations and a real upstream provider for Acme's SSO. */
import { expect } from 'vitest';
import { USER } from './fixtures.js';
import { authorizeUrl, redeem } from './oauth.js';
import type { TestServer } from './server.js';
import { startWithUpstream } from './upstream-flow.js';
import { UserAgent as Agent, decodeEntities, type UserAgent } from './user-agent.js';

export const SOLO = { email: 'solo@example.com', password: 'solo password 123' };
export const LONER = { email: 'loner@example.com', password: 'loner password 123' };

/** Ada (USER) is in Beta (admin, billing) and Gamma; Solo only in Gamma; Loner in none. Acme signs in at "corp". */
export function startWithOrganizations() {
  return startWithUpstream(
    { grace: { email: 'grace@acme.example', email_verified: true, name: 'Grace' } },
    () => [{ trustEmailVerified: true }],
    {
      users: [USER, SOLO, LONER],
      organizations: [
        { id: 'org_acme', name: 'Acme', domains: ['acme.example'], connection: 'corp' },
        { id: 'org_beta', name: 'Beta', members: [{ email: USER.email, roles: ['admin', 'billing'] }] },
        {
          id: 'org_gamma',
          name: 'Gamma',
          members: [{ email: USER.email }, { email: SOLO.email, roles: ['viewer'] }],
        },
      ],
    },
  );
}

/** Follows redirects on the server and approves consent; stops at the client, or at a page it cannot answer. */
export async function follow(
  agent: UserAgent,
  response: Response,
): Promise<{ location?: URL; page?: string; status: number }> {
  for (let step = 0; step < 12; step++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, agent.origin);
      if (next.origin !== agent.origin) return { location: next, status: response.status };
      response = await agent.request(next.href);
      continue;
    }
    const html = await response.text();
    if (html.includes('name="decision"')) {
      response = await agent.submit(html, { decision: 'allow' });
      continue;
    }
    return { page: html, status: response.status };
  }
  throw new Error('too many steps');
}

/** Starts an authorization request and signs in with a password; returns where that leads. */
export async function signInFor(
  srv: TestServer,
  user: { email: string; password: string },
  overrides: Record<string, string | undefined> = {},
) {
  const request = authorizeUrl(srv, { scope: 'todos.read roles', ...overrides });
  const agent = new Agent(srv.origin);
  let response = await agent.request(request.url);
  while (response.status === 302 || response.status === 303)
    response = await agent.request(response.headers.get('location')!);
  const login = await response.text();
  const outcome = await follow(agent, await agent.submit(login, user));
  return { ...request, agent, outcome };
}

/** The picker's organization choices: [value, label] pairs, in page order. */
export function pickerChoices(page: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of page.matchAll(
    /<input type="radio" id="([^"]+)" name="organization" value="([^"]+)"[^>]*><label for="([^"]+)">([^<]*)<\/label>/g,
  )) {
    expect(m[3]).toBe(m[1]);
    out.push([decodeEntities(m[2]!), decodeEntities(m[4]!)]);
  }
  return out;
}

/** Redeems the code of a redirect back to the client; fails the test unless it is 200. */
export async function tokensOf(srv: TestServer, location: URL | undefined, verifier: string) {
  expect(location?.searchParams.get('code'), location?.href).toBeTruthy();
  const response = await redeem(srv, { code: location!.searchParams.get('code'), verifier });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { access_token: string; refresh_token: string; scope: string };
}

/** The "Continue to single sign-on" link of home-realm discovery's page (the connection's start). */
export async function singleSignOnLink(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  const page = await response.text();
  const link = /<a class="button primary" href="([^"]+)">Continue to single sign-on<\/a>/.exec(page);
  expect(link, page.slice(0, 400)).not.toBeNull();
  return decodeEntities(link![1]!);
}
