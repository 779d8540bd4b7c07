/** Branded hosted pages over real HTTP: every page through the layout, the stylesheet and logo routes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../helpers/server.js';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#c00"/></svg>';
const LOGO = `data:image/svg+xml;base64,${Buffer.from(SVG).toString('base64')}`;

describe('branded hosted pages', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      signup: true,
      branding: {
        name: 'Acme Cloud',
        logo: LOGO,
        colors: { primary: '#0a7f3f', background: '#fafaf5', text: '#112233' },
        stylesheet: '.card { border-width: 3px; }',
      },
    });
  });
  afterAll(() => server?.close());

  const get = (path: string) => fetch(`${server.issuer}${path}`);

  it('puts the product name in the title and header of the sign-in page, with the logo named by alt text', async () => {
    const page = await (await get('/login')).text();
    expect(page).toContain('<title>Sign in · Acme Cloud</title>');
    expect(page).toMatch(
      /<header class="brand-header"><img src="\/assets\/brand-logo\?v=[\w-]+" alt="Acme Cloud"><span class="brand-name">Acme Cloud<\/span><\/header>/,
    );
  });

  it('brands sign-up, forgot password and the error pages through the same layout', async () => {
    for (const path of ['/signup', '/forgot-password', '/authorize?client_id=nobody']) {
      const page = await (await get(path)).text();
      expect(page, path).toContain('· Acme Cloud</title>');
      expect(page, path).toContain('class="brand-header"');
    }
  });

  it('serves the colours as CSS custom properties and the custom stylesheet after the built-in rules', async () => {
    const page = await (await get('/login')).text();
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page)![1]!;
    expect(href).toMatch(/^\/assets\/gatehouse\.css\?v=/);
    const response = await fetch(`${server.origin}${href}`);
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('immutable');
    const css = await response.text();
    expect(css).toContain('--accent:#0a7f3f;');
    expect(css).toContain('--bg:#fafaf5;');
    expect(css).toContain('--fg:#112233;');
    expect(css.indexOf('.card { border-width: 3px; }')).toBeGreaterThan(css.indexOf('--accent:#0a7f3f'));
  });

  it('serves the logo from its own origin as a sandboxed image', async () => {
    const response = await get('/assets/brand-logo');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(SVG);
  });

  it("keeps the hosted pages' CSP exactly as without branding", async () => {
    const response = await get('/login');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  });
});

describe('unbranded hosted pages', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({});
  });
  afterAll(() => server?.close());

  it('keep the Gatehouse title, no brand header, the plain stylesheet URL and no logo', async () => {
    const page = await (await fetch(`${server.issuer}/login`)).text();
    expect(page).toContain('<title>Sign in · Gatehouse</title>');
    expect(page).not.toContain('brand-header');
    expect(page).toContain('<link rel="stylesheet" href="/assets/gatehouse.css">');
    expect((await fetch(`${server.issuer}/assets/brand-logo`)).status).toBe(404);
  });
});
