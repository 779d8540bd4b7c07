import { describe, expect, it } from 'vitest';
import { createGatehouse } from '../../src/gatehouse.js';
import { authorizeUrl, baseOptions, get, RESOURCE, USER, useServer } from '../helpers/oauth.js';
import { TEST_SECRET, type TestServer, testDatabase } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/** Hosted pages: OAuth 2.1 §7.5.3, §7.9, §7.10; RFC 9700 §4.2.4, §4.16; checklist §1.16. */

/** The three pages of an authorization: sign-in, consent, and an error page. */
type Page = { response: Response; html: string };

async function pages(srv: TestServer): Promise<{ login: Page; consent: Page; error: Page }> {
  const agent = new UserAgent(srv.origin);
  const start = await agent.request(authorizeUrl(srv).url);
  const login = await agent.request(start.headers.get('location')!);
  const loginHtml = await login.text();
  const afterLogin = await agent.submit(loginHtml, { email: USER.email, password: USER.password });
  const resume = await agent.request(afterLogin.headers.get('location')!);
  const consentHtml = await resume.text();
  const error = await get(authorizeUrl(srv, { client_id: 'nobody' }).url);
  return {
    login: { response: login, html: loginHtml },
    consent: { response: resume, html: consentHtml },
    error: { response: error, html: await error.text() },
  };
}

async function attemptLogin(
  agent: UserAgent,
  srv: TestServer,
  email: string,
  password: string,
): Promise<Response> {
  const page = await agent.request(`${srv.issuer}/login`);
  return agent.submit(await page.text(), { email, password });
}

describe('hosted pages: framing, referrer and third-party resources', () => {
  const srv = useServer();

  it('the sign-in, consent and error pages forbid framing (CSP frame-ancestors none and X-Frame-Options DENY)', async () => {
    for (const [name, { response }] of Object.entries(await pages(srv()))) {
      expect(response.headers.get('content-security-policy'), name).toMatch(/frame-ancestors 'none'/);
      expect(response.headers.get('x-frame-options'), name).toBe('DENY');
    }
  });

  it('the sign-in, consent and error pages send Referrer-Policy: no-referrer', async () => {
    for (const [name, { response }] of Object.entries(await pages(srv()))) {
      expect(response.headers.get('referrer-policy'), name).toBe('no-referrer');
    }
  });

  it('the pages load nothing from another origin (every src, href and action is a same-origin path or inline data)', async () => {
    const all = await pages(srv());
    for (const [name, { html }] of Object.entries(all)) {
      const refs = [...html.matchAll(/\b(?:src|href|action)="([^"]*)"/g)].map((m) => m[1]!);
      expect(refs.length, name).toBeGreaterThan(0);
      // Same-origin paths, or inline data: URLs (which fetch nothing); never an absolute or protocol-relative URL.
      for (const ref of refs) expect(ref, `${name}: ${ref}`).toMatch(/^(\/(?!\/)|data:)/);
      expect(html).not.toMatch(/<script\b/i);
    }
    expect(all.consent.html).toContain('name="decision"');
  });

  it('the consent page shows the client name, the redirect host, the scopes and the resource', async () => {
    const { consent } = await pages(srv());
    expect(consent.html).toContain('Native App');
    expect(consent.html).toContain('127.0.0.1:5555');
    expect(consent.html).toContain('todos.read');
    expect(consent.html).toContain('todos.write');
    expect(consent.html).toContain('Todo MCP');
    expect(consent.html).toContain(RESOURCE);
    expect(consent.html).toMatch(/<button[^>]*>Allow<\/button>/);
    expect(consent.html).toMatch(/<button[^>]*>Deny<\/button>/);
  });

  it('cookies are HttpOnly and SameSite=Lax', async () => {
    const agent = new UserAgent(srv().origin);
    const page = await get(`${srv().issuer}/login`);
    const csrfCookies = page.headers.getSetCookie();
    expect(csrfCookies.length).toBeGreaterThan(0);
    const login = await attemptLogin(agent, srv(), USER.email, USER.password);
    const all = [...csrfCookies, ...login.headers.getSetCookie()];
    expect(all.some((c) => c.startsWith('gatehouse_session='))).toBe(true);
    for (const cookie of all) {
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    }
  });

  it('a successful sign-in POST answers 303, never 307', async () => {
    const response = await attemptLogin(new UserAgent(srv().origin), srv(), USER.email, USER.password);
    expect(response.status).toBe(303);
  });

  it('the consent POST answers 303, never 307', async () => {
    const agent = new UserAgent(srv().origin);
    const result = await agent.authorize(
      authorizeUrl(srv(), { redirect_uri: 'http://127.0.0.1:41234/callback' }).url,
      USER,
    );
    expect(result.location).toContain('code=');
    expect(result.response.status).toBe(303);
  });
});

describe('cookies on an https issuer', () => {
  it('cookies on an https issuer are __Host- prefixed, Secure, HttpOnly and SameSite=Lax', async () => {
    const database = await testDatabase();
    const gh = await createGatehouse({
      ...baseOptions(),
      issuer: 'https://as.test',
      secret: TEST_SECRET,
      database: database.url,
      logger: false,
    });
    try {
      const page = await gh.fetch(new Request('https://as.test/login'), { remoteAddress: '127.0.0.1' });
      const csrf = page.headers.getSetCookie();
      const html = await page.text();
      const token = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
      const cookie = csrf[0]!.split(';')[0]!;
      const login = await gh.fetch(
        new Request('https://as.test/login', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://as.test', cookie },
          body: new URLSearchParams({ csrf: token, email: USER.email, password: USER.password }),
        }),
        { remoteAddress: '127.0.0.1' },
      );
      expect(login.status).toBe(303);
      const all = [...csrf, ...login.headers.getSetCookie()];
      expect(all.some((c) => c.startsWith('__Host-gatehouse_session='))).toBe(true);
      for (const c of all) {
        expect(c).toMatch(/^__Host-/);
        expect(c).toMatch(/;\s*Secure/);
        expect(c).toMatch(/;\s*HttpOnly/i);
        expect(c).toMatch(/;\s*SameSite=Lax/i);
        expect(c).toMatch(/;\s*Path=\//);
        expect(c).not.toMatch(/;\s*Domain=/i);
      }
    } finally {
      await gh.close();
      await database.cleanup();
    }
  });
});

const FROZEN = Date.now();

describe('sign-in throttling per account', () => {
  const srv = useServer(() => ({
    ...baseOptions(),
    loginThrottle: { maxFailuresPerAccount: 3, maxAttemptsPerIp: 100 },
    // Frozen, so the attempts cannot straddle two throttle windows.
    clock: () => FROZEN,
  }));

  it('sign-in attempts on one account beyond the limit get 429 with Retry-After, even with the right password', async () => {
    const agent = new UserAgent(srv().origin);
    for (let i = 0; i < 3; i++)
      expect((await attemptLogin(agent, srv(), USER.email, 'wrong password')).status).toBe(401);
    const throttled = await attemptLogin(agent, srv(), USER.email, USER.password);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.headers.getSetCookie().some((c) => c.startsWith('gatehouse_session='))).toBe(false);
    // Another account from the same address is not affected.
    expect((await attemptLogin(agent, srv(), 'someone@example.com', 'whatever1')).status).toBe(401);
  });
});

describe('sign-in throttling per client address', () => {
  const srv = useServer(() => ({
    ...baseOptions(),
    loginThrottle: { maxFailuresPerAccount: 100, maxAttemptsPerIp: 4 },
    clock: () => FROZEN,
  }));

  it('sign-in attempts from one address beyond the limit get 429 with Retry-After, across accounts', async () => {
    const agent = new UserAgent(srv().origin);
    for (let i = 0; i < 4; i++) {
      expect((await attemptLogin(agent, srv(), `user${i}@example.com`, 'wrong password')).status).toBe(401);
    }
    const throttled = await attemptLogin(agent, srv(), USER.email, USER.password);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });
});
