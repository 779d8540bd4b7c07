import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  type CallbackServer,
  closeBrowser,
  driveAuthorization,
  launchBrowser,
  newBrowserContext,
  startCallbackServer,
} from '../../helpers/browser.js';
import { baseOptions, RESOURCE } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { browserSuiteOptions, expectAccessibleBasics, userFor } from './support.js';

/** The fixture resources, Todo MCP with scope descriptions (shown on the consent page and its screenshot). */
const DESCRIBED = baseOptions().resources!.map((r) =>
  r.resource === RESOURCE
    ? {
        ...r,
        scope_descriptions: {
          'todos.read': 'Read your todos',
          'todos.write': 'Create and change your todos',
        },
      }
    : r,
);

const IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

describe('error pages, framing and accessibility in Chromium', () => {
  let browser: Browser;
  let srv: TestServer;
  let callback: CallbackServer;
  let context: BrowserContext;
  let page: Page;
  let requests: Request[];

  beforeAll(async () => {
    [browser, srv, callback] = await Promise.all([
      launchBrowser(),
      startServer(browserSuiteOptions(['keyboard', 'pending-error'], { signup: true, resources: DESCRIBED })),
      startCallbackServer(),
    ]);
  });
  afterAll(async () => {
    await closeBrowser(browser);
    await srv?.close();
    await callback?.close();
  });
  beforeEach(async () => {
    context = await newBrowserContext(browser);
    requests = [];
    context.on('request', (request) => requests.push(request));
    page = await context.newPage();
  });
  afterEach(() => context?.close());

  it('an unverifiable redirect_uri or client shows an error page and the browser never goes to the bad URI', async () => {
    const evil = `${callback.origin}/evil`; // a live listener, so a stray navigation would be observed
    const cases = [
      { clientId: 'native-app', redirectUri: evil, message: 'not registered for this application' },
      { clientId: 'native-app', redirectUri: 'https://attacker.example/callback', message: 'not registered' },
      { clientId: 'web-app', redirectUri: 'https://app.example/cb/../evil', message: 'not registered' },
      { clientId: 'no-such-client', redirectUri: evil, message: '' },
    ];
    for (const bad of cases) {
      const { url } = authorizationUrl(srv.issuer, { ...bad, scope: 'todos.read', resource: RESOURCE });
      const response = await page.goto(url);
      expect(response?.status(), bad.redirectUri).toBe(400);
      await page.waitForLoadState('load');
      expect(new URL(page.url()).pathname).toBe('/authorize');
      const alert = page.getByRole('main').getByRole('alert');
      expect((await alert.textContent())?.trim()).not.toBe('');
      expect(await alert.textContent()).toContain(bad.message);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/wrong|not allowed/i);
      // Nothing on the page points at the bad URI either.
      expect(
        await page.locator(`a[href^="${bad.redirectUri}"], form[action^="${bad.redirectUri}"]`).count(),
      ).toBe(0);
    }
    const stray = requests.filter((r) => {
      const u = new URL(r.url());
      return (
        u.hostname === 'attacker.example' ||
        u.pathname === '/evil' ||
        (u.hostname === 'app.example' && u.protocol === 'https:')
      );
    });
    expect(stray.map((r) => r.url())).toEqual([]);
    expect(callback.hits.filter((u) => u.pathname === '/evil')).toEqual([]);
  });

  it('a redirectable error is sent to the client only after the user signs in (OAuth 2.1 §7.12.2)', async () => {
    const url = new URL(
      authorizationUrl(srv.issuer, {
        clientId: 'native-app',
        redirectUri: callback.redirectUri,
        resource: RESOURCE,
      }).url,
    );
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    url.searchParams.set('state', 'missing-pkce');
    const outcome = await driveAuthorization(page, url.href, userFor('pending-error'));
    expect(outcome.steps).toEqual(['sign-in']);
    expect(outcome.redirect.searchParams.get('error')).toBe('invalid_request');
    expect(outcome.redirect.searchParams.get('state')).toBe('missing-pkce');
    expect(outcome.redirect.searchParams.get('iss')).toBe(srv.issuer);
    expect(outcome.redirect.searchParams.has('code')).toBe(false);
  });

  it('the authorization, sign-in, sign-up and error pages refuse to render inside a frame on another origin', async () => {
    const framed = {
      authorize: authorizationUrl(srv.issuer, {
        clientId: 'native-app',
        redirectUri: callback.redirectUri,
        scope: 'todos.read',
        resource: RESOURCE,
      }).url,
      login: `${srv.issuer}/login`,
      signup: `${srv.issuer}/signup`,
      error: `${srv.issuer}/authorize?client_id=no-such-client`,
    };
    const attacker = await startAttackerSite(framed);
    try {
      const refusals: string[] = [];
      page.on('console', (message) => {
        if (/frame-ancestors|X-Frame-Options/i.test(message.text())) refusals.push(message.text());
      });
      const gatehouseResponses = new Map<string, number>();
      page.on('response', (response) => {
        if (response.url().startsWith(srv.origin) && response.request().resourceType() === 'document') {
          gatehouseResponses.set(new URL(response.url()).pathname, response.status());
        }
      });
      await page.goto(`${attacker.origin}/`);
      await page.waitForLoadState('load');

      // The control frame (same harness, no framing protection) renders: the harness itself works.
      const control = page.frame({ name: 'control' });
      expect(await control?.locator('#control').textContent()).toBe('control frame loaded');

      // Gatehouse answered each frame's request, and Chromium refused to render the answer.
      expect(gatehouseResponses.get('/login')).toBe(200);
      expect(gatehouseResponses.get('/signup')).toBe(200);
      expect(gatehouseResponses.get('/authorize')).toBeDefined();
      for (const name of Object.keys(framed)) {
        const frame = page.frame({ name });
        expect(frame, name).not.toBeNull();
        await expect.poll(() => frame!.url(), { message: name }).not.toMatch(new RegExp(`^${srv.origin}`));
        const content = await frame!.evaluate(() => document.body?.innerText ?? '').catch(() => '');
        expect(content, name).not.toMatch(/Sign in|Create account|Email|Password|Something is wrong/);
        // Chromium replaces a refused frame with its own error document.
        expect(frame!.url(), name).toMatch(/^chrome-error:/);
        expect(content, name).toContain('refused to connect');
        expect(
          await frame!.locator('#page-title, input[name="password"], link[href$="gatehouse.css"]').count(),
          name,
        ).toBe(0);
      }
      expect(refusals.some((text) => text.includes("frame-ancestors 'none'"))).toBe(true);
    } finally {
      await attacker.close();
    }
  });

  it('pages have a main landmark, one h1 and labelled inputs; sign-in and consent work by keyboard alone (and screenshots are saved)', async () => {
    await mkdir(IMAGES, { recursive: true });
    const user = userFor('keyboard');
    // Fixed redirect port and state so the screenshots never vary; nothing needs to listen there.
    const redirectUri = 'http://127.0.0.1:8765/callback';
    const { url } = authorizationUrl(srv.issuer, {
      clientId: 'native-app',
      redirectUri,
      scope: 'todos.read todos.write',
      resource: RESOURCE,
      state: 'docs',
    });

    // Error page.
    const bad = authorizationUrl(srv.issuer, {
      clientId: 'native-app',
      redirectUri: 'https://attacker.example/callback',
      resource: RESOURCE,
      state: 'docs',
    });
    await page.goto(bad.url);
    await page.getByRole('alert').waitFor();
    await expectAccessibleBasics(page);
    await screenshot(page, 'error.png');

    // Sign-in page.
    await page.goto(url);
    await page.getByLabel('Password', { exact: true }).waitFor();
    await expectAccessibleBasics(page);
    expect(await page.getByLabel('Email', { exact: true }).getAttribute('id')).toBe('email');
    expect(await page.getByLabel('Email', { exact: true }).getAttribute('autocomplete')).toBe('username');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('password');
    await screenshot(page, 'sign-in.png');

    // Sign-up page (reached by keyboard: the "Create one" link is focusable).
    const createOne = page.getByRole('link', { name: 'Create one' });
    await createOne.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Create account', exact: true }).waitFor();
    await expectAccessibleBasics(page);
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby')).toBe(
      'password-hint',
    );
    await screenshot(page, 'sign-up.png');
    await page.getByRole('link', { name: 'Sign in' }).focus();
    await page.keyboard.press('Enter');

    // Keyboard-only sign-in: the Email field has focus on load; Tab to Password; Enter submits.
    await page.getByLabel('Password', { exact: true }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('email');
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');

    // Consent page.
    await page.getByRole('button', { name: 'Allow', exact: true }).waitFor();
    await expectAccessibleBasics(page);
    await screenshot(page, 'consent.png');
    const order: string[] = [];
    for (let i = 0; i < 12 && !order.includes('Deny'); i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => (document.activeElement?.textContent ?? '').trim()));
    }
    expect(order).toContain('Allow');
    expect(order).toContain('Deny');
    expect(order.indexOf('Allow')).toBeLessThan(order.indexOf('Deny'));
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Allow');
    const [redirect] = await Promise.all([
      page.waitForRequest((r) => r.url().startsWith(`${redirectUri}?`)),
      page.keyboard.press('Enter'),
    ]);
    const landed = new URL(redirect.url());
    expect(landed.searchParams.get('code')).toBeTruthy();
    expect(landed.searchParams.get('state')).toBe('docs');
    // Nothing listens on the fixed redirect port: leave that tab to its failed navigation.
    page = await context.newPage();

    // Logout confirmation.
    await page.goto(`${srv.issuer}/logout`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
    await expectAccessibleBasics(page);
  });
});

async function screenshot(page: Page, name: string): Promise<void> {
  // No focus ring or caret in the documentation images.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path: `${IMAGES}${name}`, fullPage: true, animations: 'disabled', caret: 'hide' });
}

/** A page on another loopback origin that frames Gatehouse pages (one iframe each) plus a control frame. */
async function startAttackerSite(
  framed: Record<string, string>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const attr = (s: string) => s.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  const frames = Object.entries(framed)
    .map(([name, src]) => `<iframe name="${name}" src="${attr(src)}" width="400" height="300"></iframe>`)
    .join('\n');
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (req.url === '/control') res.end('<!doctype html><p id="control">control frame loaded</p>');
    else
      res.end(
        `<!doctype html><title>Win a prize</title><link rel="icon" href="data:,">\n${frames}\n<iframe name="control" src="/control"></iframe>`,
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
