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
import { dcrOptions, register } from '../../helpers/dcr.js';
import { RESOURCE } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { definition } from './support.js';

/**
 * What a person sees on the sign-in page before typing a password for a self-registered client
 * (RFC 7591 §5; OAuth 2.1 §7.9; RFC 9700 §4.15): the name it chose, next to what it cannot choose —
 * the "unverified" badge and the host the browser returns to.
 */

let browser: Browser;
let callback: CallbackServer;
let srv: TestServer;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [browser, callback] = await Promise.all([launchBrowser(), startCallbackServer()]);
  srv = await startServer(dcrOptions());
});
afterAll(async () => {
  await srv?.close();
  await closeBrowser(browser);
  await callback?.close();
});
beforeEach(async () => {
  context = await newBrowserContext(browser);
  page = await context.newPage();
});
afterEach(() => context?.close());

describe('sign-in page in Chromium for a DCR client', () => {
  it('shows the chosen name with the "unverified" badge, the return host and the self-registration warning', async () => {
    const registered = await register(srv.issuer, {
      client_name: 'Gatehouse\u200B Admin',
      redirect_uris: [callback.redirectUri],
    });
    expect(registered.status).toBe(201);
    const { url } = authorizationUrl(srv.issuer, {
      clientId: String(registered.body.client_id),
      redirectUri: callback.redirectUri,
      scope: 'todos.read',
      resource: RESOURCE,
    });
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(await page.locator('#client-name').textContent()).toBe('Gatehouse Admin');
    expect(await page.locator('#client-badge').isVisible()).toBe(true);
    expect(await page.locator('#client-badge').textContent()).toBe('unverified');
    expect(await definition(page, 'Sends you back to')).toBe(new URL(callback.redirectUri).host);
    expect(await page.getByText('This application registered itself.').isVisible()).toBe(true);
  });
});
