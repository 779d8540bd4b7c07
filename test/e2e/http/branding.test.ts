/** Branded hosted pages over real HTTP: every page through the layout, the stylesheet and logo routes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productName } from '../../../src/branding/name.js';
import { createGatehouse } from '../../../src/gatehouse.js';
import { openStore } from '../../../src/store/index.js';
import { startHttpsServer } from '../../helpers/https.js';
import { startServer, type TestServer, testDatabase } from '../../helpers/server.js';

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

describe('an https logo', () => {
  const PNG = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.alloc(24, 7),
  ]);
  let cdn: Awaited<ReturnType<typeof startHttpsServer>>;
  let server: TestServer;
  let hits = 0;

  beforeAll(async () => {
    cdn = await startHttpsServer((req, res) => {
      hits++;
      if (req.url === '/logo.png') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      } else if (req.url === '/page.html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<script>alert(1)</script>');
      } else res.writeHead(404).end();
    });
    server = await startServer({
      branding: { name: 'Remote', logo: `${cdn.origin}/logo.png` },
      singleInstance: "counts one instance's fetches of the logo (each instance keeps its own copy)",
    });
  });
  afterAll(async () => {
    await server?.close();
    await cdn?.close();
  });

  it('is fetched once by Gatehouse and served from its own origin; the page never names the other host', async () => {
    const page = await (await fetch(`${server.issuer}/login`)).text();
    expect(page).not.toContain(cdn.origin);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.issuer}/assets/brand-logo`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
    }
    expect(hits).toBe(1);
  });

  it('is refused (404, the alt text shows the name) when what comes back is not an image', async () => {
    const other = await startServer({ branding: { name: 'Remote', logo: `${cdn.origin}/page.html` } });
    try {
      expect((await fetch(`${other.issuer}/assets/brand-logo`)).status).toBe(404);
    } finally {
      await other.close();
    }
  });
});

describe('the 503 outage page', () => {
  it('is branded too: branding is held in memory, so it shows while the database is down', async () => {
    const database = await testDatabase();
    const real = await openStore(database.url);
    let down = false;
    const store = new Proxy(real, {
      get(target, prop) {
        if (prop === 'cacheClients') return undefined;
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        const bound = (value as (...a: unknown[]) => unknown).bind(target);
        if (prop !== 'getClient') return bound;
        return (...args: unknown[]) => {
          if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          return bound(...args);
        };
      },
    });
    const gh = await createGatehouse(
      {
        issuer: 'http://127.0.0.1:4999',
        secret: 'x'.repeat(40),
        logger: false,
        branding: { name: 'Acme Cloud' },
      },
      { store },
    );
    try {
      down = true;
      const response = await gh.fetch(new Request('http://127.0.0.1:4999/authorize?client_id=any'));
      expect(response.status).toBe(503);
      const page = await response.text();
      expect(page).toContain('<title>Temporarily unavailable · Acme Cloud</title>');
      expect(page).toContain('class="brand-header"');
    } finally {
      await gh.close();
      await real.close().catch(() => {});
      await database.cleanup();
    }
  });
});

describe('productName (src/branding/name.ts)', () => {
  it('is the configured name, then the stored edit, then undefined without branding', async () => {
    const srv = await startServer({ branding: { name: 'Configured' } });
    try {
      const ctx = srv.gh.context;
      expect(productName(ctx)).toBe('Configured');
      await ctx.store.putBranding({ settings: '{"name":"Edited"}', updatedAt: 1, updatedBy: null });
      await ctx.branding.refresh();
      expect(productName(ctx)).toBe('Edited');
      await ctx.store.putBranding({ settings: '{}', updatedAt: 2, updatedBy: null });
      await ctx.branding.refresh();
      expect(productName(ctx)).toBeUndefined();
    } finally {
      await srv.close();
    }
  });
});
