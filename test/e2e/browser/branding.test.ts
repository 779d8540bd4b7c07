/**
 * Branded hosted pages in Chromium (issue 16): the colours, logo and product name reach the sign-in,
 * consent and error pages under the unchanged CSP, and a replaced sign-in template still signs in with
 * Gatehouse's CSRF field. Also writes docs/images/sign-in-branded.png and sign-in-unbranded.png.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  type CallbackServer,
  closeBrowser,
  launchBrowser,
  newBrowserContext,
  startCallbackServer,
} from '../../helpers/browser.js';
import { RESOURCE } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { browserSuiteOptions, expectAccessibleBasics, userFor } from './support.js';

const IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32"><rect width="32" height="32" rx="8" fill="#0f766e"/><path d="M9 22 16 9l7 13z" fill="#fff"/><text x="40" y="22" font-family="sans-serif" font-size="15" font-weight="700" fill="#0f766e">ACME</text></svg>';
const BRANDING = {
  name: 'Acme Cloud',
  logo: `data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`,
  colors: { primary: '#0f766e', background: '#ecfdf5', text: '#052e2b' },
  stylesheet: '.card { border-top: 4px solid var(--accent); }\nh1 { letter-spacing: -0.01em; }',
};
const TEMPLATE = `<!doctype html>
<html lang="en"><head>{{head}}</head>
<body><main class="card" aria-labelledby="page-title">
<p id="custom-banner">Welcome to {{product_name}} — {{title}}</p>
{{form}}
<p class="muted">Custom footer</p>
</main></body></html>`;

const rgb = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

describe('branded pages in Chromium', () => {
  let browser: Browser;
  let branded: TestServer;
  let templated: TestServer;
  let plain: TestServer;
  let callback: CallbackServer;
  let context: BrowserContext;
  let page: Page;
  let violations: string[];

  beforeAll(async () => {
    [browser, branded, templated, plain, callback] = await Promise.all([
      launchBrowser(),
      startServer(browserSuiteOptions(['brand-consent'], { branding: BRANDING })),
      startServer(
        browserSuiteOptions(['brand-template'], {
          branding: { ...BRANDING, templates: { login: { html: TEMPLATE } } },
        }),
      ),
      startServer(browserSuiteOptions([])),
      startCallbackServer(),
    ]);
  });
  afterAll(async () => {
    await closeBrowser(browser);
    await Promise.all([branded?.close(), templated?.close(), plain?.close(), callback?.close()]);
  });
  beforeEach(async () => {
    context = await newBrowserContext(browser, { viewport: { width: 900, height: 760 } });
    page = await context.newPage();
    violations = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
  });
  afterEach(() => context?.close());

  const authorize = (srv: TestServer) =>
    authorizationUrl(srv.issuer, {
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
      scope: 'todos.read',
      resource: RESOURCE,
    }).url;

  async function expectBranded(): Promise<void> {
    expect(await page.title()).toMatch(/ · Acme Cloud$/);
    const logo = page.getByRole('img', { name: 'Acme Cloud' });
    await logo.waitFor();
    expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const colours = await page.evaluate(() => ({
      body: getComputedStyle(document.body).backgroundColor,
      text: getComputedStyle(document.body).color,
      accent: getComputedStyle(document.documentElement).getPropertyValue('--accent').trim(),
    }));
    expect(colours).toEqual({ body: rgb('#ecfdf5'), text: rgb('#052e2b'), accent: '#0f766e' });
    expect(violations).toEqual([]);
  }

  it('applies the name, logo and colours to the sign-in page, and the primary colour to its button', async () => {
    await page.goto(authorize(branded));
    await expectBranded();
    const button = page.getByRole('button', { name: 'Sign in', exact: true });
    expect(await button.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe(rgb('#0f766e'));
    expect(await page.locator('.card').evaluate((c) => getComputedStyle(c).borderTopWidth)).toBe('4px');
    await expectAccessibleBasics(page);
  });

  it('applies them to the consent page', async () => {
    const user = userFor('brand-consent');
    await page.goto(authorize(branded));
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await expectBranded();
    expect(await page.title()).toBe('Authorize access · Acme Cloud');
  });

  it('applies them to an error page', async () => {
    const response = await page.goto(`${branded.issuer}/authorize?client_id=nobody`);
    expect(response?.status()).toBe(400);
    await expectBranded();
  });

  it('a replaced sign-in template shows its own markup and still signs in with the CSRF field', async () => {
    const user = userFor('brand-template');
    await page.goto(authorize(templated));
    expect(await page.locator('#custom-banner').textContent()).toBe('Welcome to Acme Cloud — Sign in');
    expect(await page.locator('input[type=hidden][name=csrf]').count()).toBe(1);
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(violations).toEqual([]);
  });

  it('saves screenshots of the branded and the unbranded sign-in page', async () => {
    for (const [srv, name] of [
      [branded, 'sign-in-branded'],
      [plain, 'sign-in-unbranded'],
    ] as const) {
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goto(authorize(srv));
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.screenshot({ path: `${IMAGES}${name}.png`, animations: 'disabled', caret: 'hide' });
    }
  });
});
