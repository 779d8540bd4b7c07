import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  type CallbackServer,
  closeBrowser,
  launchBrowser,
  newBrowserContext,
  startCallbackServer,
} from '../../helpers/browser.js';
import { RESOURCE, USER } from '../../helpers/fixtures.js';
import { startWithOrganizations } from '../../helpers/organizations.js';
import { expectAccessibleBasics, jwtClaims, redeemCode } from './support.js';

/**
 * Issue 16 in Chromium: the organization picker after a password sign-in (an accessible radio group,
 * "Continue"), and home-realm discovery ("Continue with SSO" for an e-mail of an SSO domain).
 */
describe('organizations in Chromium', () => {
  let browser: Browser;
  let callback: CallbackServer;
  let env: Awaited<ReturnType<typeof startWithOrganizations>>;

  beforeAll(async () => {
    [browser, callback, env] = await Promise.all([
      launchBrowser(),
      startCallbackServer(),
      startWithOrganizations(),
    ]);
  });
  afterAll(async () => {
    await closeBrowser(browser);
    await callback?.close();
    await env?.close();
  });

  const request = () =>
    authorizationUrl(env.srv.issuer, {
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
      scope: 'todos.read roles',
      resource: RESOURCE,
    });

  it('lets a member of several organizations choose one, whose org_id and roles the token carries', async () => {
    const context = await newBrowserContext(browser);
    try {
      const page = await context.newPage();
      const req = request();
      await page.goto(req.url);
      await page.getByLabel('Email').fill(USER.email);
      await page.getByLabel('Password').fill(USER.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Choose an organization');
      await expectAccessibleBasics(page);
      const group = page.getByRole('group', { name: 'Organization' });
      await group.getByRole('radio', { name: 'Beta' }).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Allow', exact: true }).click();
      await expect
        .poll(() => callback.hits.some((h) => h.searchParams.get('state') === req.state))
        .toBe(true);
      const hit = callback.hits.find((h) => h.searchParams.get('state') === req.state)!;
      const tokens = await redeemCode(env.srv.issuer, {
        code: hit.searchParams.get('code')!,
        verifier: req.verifier,
        clientId: 'native-app',
        redirectUri: callback.redirectUri,
      });
      expect(tokens.status).toBe(200);
      expect(jwtClaims(String(tokens.body['access_token']))).toMatchObject({
        org_id: 'org_beta',
        roles: ['admin', 'billing'],
      });
    } finally {
      await context.close();
    }
  });

  it('sends an e-mail of an SSO domain to its organization’s provider with "Continue with SSO"', async () => {
    const context = await newBrowserContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(request().url);
      await page.getByLabel('Email').fill('grace@acme.example');
      await page.getByRole('button', { name: 'Continue with SSO' }).click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Sign in with Acme');
      await expectAccessibleBasics(page);
      await page.getByRole('link', { name: 'Continue to single sign-on' }).click();
      await page.waitForURL((url) => url.origin === env.upstream.issuer);
      expect(await page.locator('input[name="login"]').count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});
