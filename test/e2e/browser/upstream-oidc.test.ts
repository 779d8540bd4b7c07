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
import { startWithUpstream } from '../../helpers/upstream-flow.js';
import { expectAccessibleBasics, jwtClaims, redeemCode } from './support.js';

/**
 * Issue 16 in Chromium: "Continue with Corp SSO" on the sign-in page, the upstream provider's own
 * pages (oidc-provider on another loopback port), back to Gatehouse's consent and to the client. The
 * browser-binding cookie (SameSite=Lax) must come back on the provider's top-level redirect.
 */
describe('sign-in with an upstream provider in Chromium', () => {
  let browser: Browser;
  let callback: CallbackServer;
  let env: Awaited<ReturnType<typeof startWithUpstream>>;

  beforeAll(async () => {
    [browser, callback, env] = await Promise.all([
      launchBrowser(),
      startCallbackServer(),
      startWithUpstream(
        {
          rosa: { email: 'rosa@corp.example', email_verified: true, name: 'Rosa' },
          ada: { email: USER.email, name: 'Ada' },
        },
        () => [{ trustEmailVerified: true }, { id: 'entra', name: 'Entra' }],
      ),
    ]);
  });
  afterAll(async () => {
    await closeBrowser(browser);
    await callback?.close();
    await env?.close();
  });

  it('completes the authorization request through the provider', async () => {
    const context = await newBrowserContext(browser);
    try {
      const page = await context.newPage();
      const request = authorizationUrl(env.srv.issuer, {
        clientId: 'native-app',
        redirectUri: callback.redirectUri,
        scope: 'todos.read',
        resource: RESOURCE,
      });
      await page.goto(request.url);
      await expectAccessibleBasics(page);
      await page.getByRole('link', { name: 'Continue with Corp SSO' }).click();
      await page.waitForURL((url) => url.origin === env.upstream.issuer);
      await page.locator('input[name="login"]').fill('rosa');
      await page.locator('input[name="password"]').fill('any');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Allow', exact: true }).click();
      await expect.poll(() => callback.hits.length).toBeGreaterThan(0);
      const hit = callback.hits.at(-1)!;
      expect(hit.searchParams.get('state')).toBe(request.state);
      const tokens = await redeemCode(env.srv.issuer, {
        code: hit.searchParams.get('code')!,
        verifier: request.verifier,
        clientId: 'native-app',
        redirectUri: callback.redirectUri,
      });
      expect(tokens.status).toBe(200);
      const user = await env.srv.gh.store.getUserByEmail('rosa@corp.example');
      expect(jwtClaims(String(tokens.body['access_token'])).sub).toBe(user!.id);
    } finally {
      await context.close();
    }
  });

  it('links an existing account after its password, on an accessible page', async () => {
    const context = await newBrowserContext(browser);
    try {
      const page = await context.newPage();
      const request = authorizationUrl(env.srv.issuer, {
        clientId: 'native-app',
        redirectUri: callback.redirectUri,
        scope: 'todos.read',
        resource: RESOURCE,
      });
      await page.goto(request.url);
      await page.getByRole('link', { name: 'Continue with Entra' }).click();
      await page.waitForURL((url) => url.origin === env.upstream.issuer);
      await page.locator('input[name="login"]').fill('ada');
      await page.locator('input[name="password"]').fill('any');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toContain('already exists');
      await expectAccessibleBasics(page);
      await page.getByLabel('Password').fill(USER.password);
      await page.getByRole('button', { name: 'Sign in and link Entra' }).click();
      await page.getByRole('button', { name: 'Allow', exact: true }).click();
      await expect
        .poll(() => callback.hits.some((h) => h.searchParams.get('state') === request.state))
        .toBe(true);
      const ada = await env.srv.gh.store.getUserByEmail(USER.email);
      expect((await env.srv.gh.store.listLinkedIdentities(ada!.id)).map((l) => l.connectionId)).toEqual([
        'entra',
      ]);
    } finally {
      await context.close();
    }
  });
});
