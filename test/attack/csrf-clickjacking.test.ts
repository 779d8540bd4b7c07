import { describe, expect, it } from 'vitest';
import { authorizeUrl, USER, useServer } from '../helpers/oauth.js';
import type { TestServer } from '../helpers/server.js';
import { decodeEntities, UserAgent } from '../helpers/user-agent.js';

/**
 * CSRF and clickjacking against the hosted pages (checklist §4 attacks 34, 35, 39; §1.16.1, §1.16.4;
 * OAuth 2.1 §7.9, §7.10; RFC 9700 §4.16).
 */

/** Signs in through an authorization request and stops at the consent page. */
async function atConsent(srv: TestServer, port: number): Promise<{ agent: UserAgent; html: string }> {
  const agent = new UserAgent(srv.origin);
  const start = await agent.request(
    authorizeUrl(srv, { redirect_uri: `http://127.0.0.1:${port}/callback` }).url,
  );
  const login = await agent.request(start.headers.get('location')!);
  const signedIn = await agent.submit(await login.text(), { email: USER.email, password: USER.password });
  const consent = await agent.request(signedIn.headers.get('location')!);
  const html = await consent.text();
  expect(html).toContain('name="decision"');
  return { agent, html };
}

async function expectRefused(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  expect(await response.text()).not.toContain('code=');
}

/** After a refused POST the genuine one still works: nothing was consumed or issued by the forgery. */
async function expectGenuineStillWorks(agent: UserAgent, html: string): Promise<void> {
  const genuine = await agent.submit(html, { decision: 'allow' });
  expect(genuine.status).toBe(303);
  expect(new URL(genuine.headers.get('location')!).searchParams.get('code')).toMatch(/^ghc_/);
}

describe('consent CSRF', () => {
  const srv = useServer();

  it('a consent POST without the CSRF token is refused with 403 and issues no code', async () => {
    const { agent, html } = await atConsent(srv(), 42001);
    await expectRefused(await agent.submit(html, { decision: 'allow', csrf: '' }));
    await expectGenuineStillWorks(agent, html);
  });

  it('a consent POST with a wrong CSRF token is refused with 403', async () => {
    const { agent, html } = await atConsent(srv(), 42002);
    await expectRefused(await agent.submit(html, { decision: 'allow', csrf: 'A'.repeat(43) }));
    await expectGenuineStillWorks(agent, html);
  });

  it('a consent POST from a foreign Origin is refused with 403 even with a valid token', async () => {
    const { agent, html } = await atConsent(srv(), 42003);
    await expectRefused(await agent.submit(html, { decision: 'allow' }, { origin: 'https://evil.test' }));
    await expectRefused(await agent.submit(html, { decision: 'allow' }, { origin: 'null' }));
    await expectGenuineStillWorks(agent, html);
  });

  it('a consent POST marked Sec-Fetch-Site: cross-site is refused with 403', async () => {
    const { agent, html } = await atConsent(srv(), 42004);
    const form = /<form[^>]*action="([^"]*)"/.exec(html)![1]!;
    const body = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      body.set(m[1]!, decodeEntities(m[2]!));
    body.set('decision', 'allow');
    const response = await agent.request(form, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
    });
    await expectRefused(response);
    await expectGenuineStillWorks(agent, html);
  });

  it('a CSRF token from another sign-in session is refused with 403', async () => {
    const victim = await atConsent(srv(), 42005);
    const attacker = await atConsent(srv(), 42006);
    const attackerToken = /name="csrf" value="([^"]+)"/.exec(attacker.html)![1]!;
    await expectRefused(await victim.agent.submit(victim.html, { decision: 'allow', csrf: attackerToken }));
    await expectGenuineStillWorks(victim.agent, victim.html);
  });

  it('a consent POST without the session cookie is refused with 403', async () => {
    const { html } = await atConsent(srv(), 42007);
    const stranger = new UserAgent(srv().origin);
    await expectRefused(await stranger.submit(html, { decision: 'allow' }));
  });
});

describe('sign-in CSRF', () => {
  const srv = useServer();

  async function loginPage(): Promise<{ agent: UserAgent; html: string }> {
    const agent = new UserAgent(srv().origin);
    const page = await agent.request(`${srv().issuer}/login`);
    return { agent, html: await page.text() };
  }

  function startsSession(response: Response): boolean {
    return response.headers
      .getSetCookie()
      .some((c) => c.startsWith('gatehouse_session=') && !/max-age=0/i.test(c));
  }

  it('a sign-in POST without the CSRF token is refused with 403 and starts no session', async () => {
    const { agent, html } = await loginPage();
    const response = await agent.submit(html, { email: USER.email, password: USER.password, csrf: '' });
    expect(response.status).toBe(403);
    expect(startsSession(response)).toBe(false);
  });

  it('a sign-in POST from a foreign Origin is refused with 403 and starts no session', async () => {
    const { agent, html } = await loginPage();
    const response = await agent.submit(
      html,
      { email: USER.email, password: USER.password },
      { origin: 'https://evil.test' },
    );
    expect(response.status).toBe(403);
    expect(startsSession(response)).toBe(false);
  });

  it('a sign-in CSRF token without its cookie (login CSRF from another browser) is refused with 403', async () => {
    const { html } = await loginPage();
    const stranger = new UserAgent(srv().origin);
    const response = await stranger.submit(html, { email: USER.email, password: USER.password });
    expect(response.status).toBe(403);
    expect(startsSession(response)).toBe(false);
  });

  it('a sign-in CSRF cookie from one browser and token from another are refused with 403', async () => {
    const victim = await loginPage();
    const attacker = await loginPage();
    const token = /name="csrf" value="([^"]+)"/.exec(attacker.html)![1]!;
    const response = await victim.agent.submit(victim.html, {
      email: USER.email,
      password: USER.password,
      csrf: token,
    });
    expect(response.status).toBe(403);
  });

  it('the genuine sign-in POST answers 303 and starts a session (control)', async () => {
    const { agent, html } = await loginPage();
    const response = await agent.submit(html, { email: USER.email, password: USER.password });
    expect(response.status).toBe(303);
    expect(startsSession(response)).toBe(true);
  });
});

describe('clickjacking', () => {
  const srv = useServer();

  it('the consent page cannot be framed by any origin', async () => {
    const agent = new UserAgent(srv().origin);
    const start = await agent.request(
      authorizeUrl(srv(), { redirect_uri: 'http://127.0.0.1:42100/callback' }).url,
    );
    const login = await agent.request(start.headers.get('location')!);
    const signedIn = await agent.submit(await login.text(), { email: USER.email, password: USER.password });
    const consent = await agent.request(signedIn.headers.get('location')!);
    expect(await consent.text()).toContain('name="decision"');
    const csp = consent.headers.get('content-security-policy')!;
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(consent.headers.get('x-frame-options')).toBe('DENY');
  });

  it('the sign-in, sign-up and logout pages cannot be framed', async () => {
    for (const path of ['/login', '/signup', '/logout', '/signed-in']) {
      const response = await fetch(`${srv().issuer}${path}`);
      expect(response.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });
});
