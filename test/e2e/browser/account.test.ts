import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveInBrowser,
  authorizationUrl,
  type CallbackServer,
  closeBrowser,
  launchBrowser,
  newBrowserContext,
  startCallbackServer,
} from '../../helpers/browser.js';
import { RESOURCE } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { browserSuiteOptions, expectAccessibleBasics, redeemCode, userFor } from './support.js';

/**
 * The account page in Chromium (issue 16): after granting an application access, the person opens
 * `{issuer}/account`, sees the application and revokes it; its refresh token stops working.
 */

let browser: Browser;
let callback: CallbackServer;
let srv: TestServer;
let context: BrowserContext;
let page: Page;
const who = userFor('account-page');

beforeAll(async () => {
  [browser, callback] = await Promise.all([launchBrowser(), startCallbackServer()]);
  srv = await startServer(browserSuiteOptions(['account-page']));
  context = await newBrowserContext(browser);
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close();
  await srv?.close();
  await closeBrowser(browser);
  await callback?.close();
});

describe('the account page in Chromium', () => {
  it('shows the application the person granted and its Revoke button ends the access', async () => {
    const request = authorizationUrl(srv.issuer, {
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
      scope: 'todos.read',
      resource: RESOURCE,
    });
    const redirect = await approveInBrowser(page, request.url, who, { redirectUri: callback.redirectUri });
    const tokens = await redeemCode(srv.issuer, {
      code: redirect.searchParams.get('code')!,
      verifier: request.verifier,
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
    });
    expect(tokens.status).toBe(200);

    await page.goto(`${srv.issuer}/account`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your account');
    await expectAccessibleBasics(page);
    const app = page.getByRole('region', { name: 'Native App' });
    expect(await app.textContent()).toContain('todos.read');
    await app.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Access revoked');
    expect(await page.getByRole('region', { name: 'Native App' }).count()).toBe(0);

    const refreshed = await fetch(`${srv.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: String(tokens.body.refresh_token),
        client_id: 'native-app',
      }),
    });
    expect(refreshed.status).toBe(400);
  });
});
