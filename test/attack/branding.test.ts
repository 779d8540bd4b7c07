/**
 * Attacks on branding (issue 16): markup through every branding field and every template value, logo
 * URLs that would run script or load over plain http, oversized stylesheets, the pages' CSP, and
 * branding edits without administrator rights or without CSRF.
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
import { register } from '../helpers/dcr.js';
import { USER } from '../helpers/fixtures.js';
import { UserAgent } from '../helpers/user-agent.js';

const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const MARKUP = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'';
const TEMPLATE = `<!doctype html><html><head>{{head}}</head><body>
<h2 id="t-title">{{title}}</h2><p id="t-name">{{product_name}}</p><p id="t-client">{{client_name}}</p>
<p id="t-error">{{error}}</p>{{logo}}{{form}}</body></html>`;

/** No markup of MARKUP made it into the page as markup. */
function expectInert(page: string) {
  expect(page).not.toContain('<script>');
  expect(page).not.toContain('<img src=x');
  // Attribute values stripped first: escaped text inside alt="…" is not an attribute.
  expect(page.replace(/"[^"]*"/g, '""')).not.toMatch(/<[a-z][^<>]*\sonerror\s*=/i);
}

let srv: AdminServer;

beforeAll(async () => {
  srv = await startAdminServer(() => ({
    branding: { name: 'Safe Name', templates: { login: { html: TEMPLATE }, error: { html: TEMPLATE } } },
  }));
});
afterAll(() => srv.close());

describe('markup in branding values is text, everywhere it is shown', () => {
  let api: ReturnType<typeof sessionApi>;
  beforeAll(async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    api = sessionApi(agent, srv.issuer, await dashboardCsrf(agent, srv.issuer));
  });

  it('a product name with markup is escaped in the title, header, alt text and templates', async () => {
    const put = await api('PUT', 'branding', {
      name: MARKUP,
      logo: `data:image/png;base64,${Buffer.from('x').toString('base64')}`,
    });
    expect(put.status).toBe(200);
    const page = await (await fetch(`${srv.issuer}/login`)).text();
    expectInert(page);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('<title>Sign in · &lt;script&gt;');
  });

  it('a colour cannot carry CSS: every non-hex value is refused', async () => {
    for (const colour of [
      '#fff;}body{background:url(//evil.example)}',
      'red',
      '#fff\n}',
      'expression(alert(1))',
    ]) {
      const { status } = await api('PUT', 'branding', { colors: { text: colour } });
      expect(status, colour).toBe(400);
    }
  });

  it('a stylesheet is only ever served as its own text/css file, never inlined in a page', async () => {
    const css = '</style><script>alert(1)</script><style>';
    expect((await api('PUT', 'branding', { stylesheet: css })).status).toBe(200);
    const page = await (await fetch(`${srv.issuer}/login`)).text();
    expect(page).not.toContain('alert(1)');
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page)![1]!;
    const sheet = await fetch(`${srv.origin}${href}`);
    expect(sheet.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await sheet.text()).toContain(css);
  });

  it('javascript:, http:, credentialed and non-image data: logos are refused', async () => {
    for (const logo of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'http://cdn.example/logo.png',
      'https://user:pass@cdn.example/logo.png',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'data:image/svg+xml,<svg onload=alert(1)>',
      'https://cdn.example/\nlogo.png',
    ]) {
      const { status, body } = await api('PUT', 'branding', { logo });
      expect(status, logo).toBe(400);
      expect(body.error_description, logo).toContain('logo');
    }
  });

  it('an oversized stylesheet or logo is refused', async () => {
    const big = await api('PUT', 'branding', { stylesheet: `a{}${' '.repeat(40_000)}` });
    expect(big.status).toBe(400);
    const logo = `data:image/png;base64,${Buffer.alloc(70_000).toString('base64')}`;
    expect((await api('PUT', 'branding', { logo })).status).toBe(400);
  });

  it('an SVG logo is served sandboxed, so opening it directly runs no script', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const logo = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    expect((await api('PUT', 'branding', { name: 'Acme', logo })).status).toBe(200);
    const response = await fetch(`${srv.issuer}/assets/brand-logo`);
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('template values are escaped and the CSP is unchanged', () => {
  it('a client name chosen by a registering client is text in a replaced sign-in template', async () => {
    const registered = await register(srv.issuer, {
      client_name: MARKUP,
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    });
    expect(registered.status).toBe(201);
    const url = new URL(`${srv.issuer}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: String(registered.body.client_id),
      redirect_uri: 'http://127.0.0.1/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'x',
    }))
      url.searchParams.set(k, v);
    const agent = new UserAgent(srv.origin);
    const started = await agent.request(url.href);
    const login = started.headers.get('location');
    const page = await (login ? await agent.request(new URL(login, srv.origin).href) : started).text();
    expect(page).toContain('id="t-client">');
    expectInert(page);
    expect(page).toContain('name="csrf"');
  });

  it('an error description with markup is text in a replaced error template, and the CSP is the same', async () => {
    const response = await fetch(`${srv.issuer}/authorize?client_id=${encodeURIComponent(MARKUP)}`);
    const page = await response.text();
    expect(page).toContain('id="t-error">');
    expectInert(page);
    expect(response.headers.get('content-security-policy')).toBe(CSP);
  });

  it('branded and templated sign-in pages carry the unbranded CSP', async () => {
    const response = await fetch(`${srv.issuer}/login`);
    expect(response.headers.get('content-security-policy')).toBe(CSP);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('only an administrator, with CSRF, can change the branding', () => {
  it('the API refuses anonymous callers and ordinary users', async () => {
    const anonymous = await fetch(`${srv.issuer}/admin/api/branding`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Pwned' }),
    });
    expect(anonymous.status).toBe(401);
    const { agent } = await signIn(srv.origin, srv.issuer, USER);
    const user = await sessionApi(agent, srv.issuer)('PUT', 'branding', { name: 'Pwned' });
    expect(user.status).toBe(403);
  });

  it('the dashboard form refuses a missing or foreign CSRF token and a cross-origin post', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const post = (fields: Record<string, string>, origin = srv.origin) =>
      agent.request(`${srv.issuer}/admin/branding/action`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams(fields),
      });
    expect((await post({ op: 'save', name: 'Pwned' })).status).toBe(403);
    expect((await post({ op: 'save', name: 'Pwned', csrf: 'forged' })).status).toBe(403);
    const csrf = await dashboardCsrf(agent, srv.issuer);
    expect((await post({ op: 'save', name: 'Pwned', csrf }, 'https://evil.example')).status).toBe(403);
    const page = await (await fetch(`${srv.issuer}/login`)).text();
    expect(page).not.toContain('Pwned');
  });

  it('the API refuses a session caller without the CSRF header', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const { status } = await sessionApi(agent, srv.issuer)('PUT', 'branding', { name: 'Pwned' });
    expect(status).toBe(403);
  });
});
