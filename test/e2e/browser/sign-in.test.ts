import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailMessage } from '../../../src/config/options.js';
import {
  approveInBrowser,
  authorizationUrl,
  BrowserFlowError,
  type CallbackServer,
  closeBrowser,
  driveAuthorization,
  launchBrowser,
  newBrowserContext,
  startCallbackServer,
} from '../../helpers/browser.js';
import { RESOURCE, USER } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { browserSuiteOptions, definition, jwtClaims, redeemCode, userFor } from './support.js';

let browser: Browser;
let callback: CallbackServer;

beforeAll(async () => {
  [browser, callback] = await Promise.all([launchBrowser(), startCallbackServer()]);
});
afterAll(async () => {
  await closeBrowser(browser);
  await callback?.close();
});

describe('hosted sign-in and sign-up pages in Chromium (signup: true)', () => {
  const mail: MailMessage[] = [];
  let srv: TestServer;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    srv = await startServer(
      browserSuiteOptions(['wrong-password', 'logout'], {
        signup: true,
        mailer: async (m) => {
          mail.push(m);
        },
      }),
    );
  });
  afterAll(() => srv?.close());
  beforeEach(async () => {
    context = await newBrowserContext(browser);
    page = await context.newPage();
  });
  afterEach(() => context?.close());

  const request = (scope = 'todos.read') =>
    authorizationUrl(srv.issuer, {
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
      scope,
      resource: RESOURCE,
    });

  it('a new user creates an account from the sign-in page, consents, and returns with code, state and iss', async () => {
    const newUser = { email: 'grace@example.com', password: 'analytical engine 1843' };
    const { url, state, verifier } = request('todos.read todos.write');
    await page.goto(url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');

    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByRole('heading', { level: 1, name: 'Create account' }).waitFor();
    const signupUrl = new URL(page.url());
    expect(signupUrl.origin + signupUrl.pathname).toBe(`${srv.issuer}/signup`);
    expect(signupUrl.searchParams.get('interaction')).toBeTruthy();

    await page.getByLabel('Email', { exact: true }).fill(newUser.email);
    await page.getByLabel('Password', { exact: true }).fill(newUser.password);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();

    // The new account is signed in and lands on consent for the original request.
    await page.getByRole('button', { name: 'Allow', exact: true }).waitFor();
    expect(await definition(page, 'Signed in as')).toBe(newUser.email);
    const hitsBefore = callback.hits.length;
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.getByRole('heading', { name: 'Authorization complete' }).waitFor();

    const landed = new URL(page.url());
    expect(landed.origin + landed.pathname).toBe(callback.redirectUri);
    expect(landed.searchParams.get('code')).toMatch(/\S{20,}/);
    expect(landed.searchParams.get('state')).toBe(state);
    expect(landed.searchParams.get('iss')).toBe(srv.issuer);
    expect(
      callback.hits
        .slice(hitsBefore)
        .filter((u) => u.pathname === '/callback')
        .map((u) => u.href),
    ).toEqual([landed.href]);

    // The code is real and belongs to the new account.
    const tokens = await redeemCode(srv.issuer, {
      code: landed.searchParams.get('code')!,
      verifier,
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe('todos.read todos.write');
    const created = await srv.gh.store.getUserByEmail(newUser.email);
    expect(created).toBeDefined();
    expect(jwtClaims(String(tokens.body.access_token)).sub).toBe(created!.id);

    // The password was stored: a fresh browser signs in with it (consent is remembered).
    const other = await newBrowserContext(browser);
    try {
      const again = await driveAuthorization(await other.newPage(), request('todos.read').url, newUser);
      expect(again.steps).toEqual(['sign-in']);
      expect(again.redirect.searchParams.get('code')).toBeTruthy();
    } finally {
      await other.close();
    }
  });

  it('"Forgot password?" on the sign-in page leads to a labelled Email field and "Send reset link" (DESIGN §5)', async () => {
    await page.goto(request().url);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { level: 1, name: 'Forgot password' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(USER.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
    await expect.poll(() => mail.filter((m) => m.to === USER.email).length).toBe(1);
  });

  it('a wrong password answers HTTP 401 with an accessible alert, and the right password then signs in', async () => {
    const user = userFor('wrong-password');
    const { url, state } = request();
    await page.goto(url);

    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
      page.getByRole('button', { name: 'Sign in', exact: true }).click(),
    ]);
    expect(refused.status()).toBe(401);
    const alert = page.getByRole('main').getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).toBe('The email or password is not correct.');
    // Still the sign-in form, the email kept, the password cleared; no session was started.
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(user.email);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect((await context.cookies()).map((c) => c.name).filter((n) => /session|ghs/i.test(n))).toEqual([]);
    // The fields are marked invalid and described by the alert; focus is where the fix goes.
    const password = page.getByLabel('Password', { exact: true });
    const alertId = await alert.getAttribute('id');
    expect(alertId).toBeTruthy();
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect((await password.getAttribute('aria-describedby'))?.split(' ')).toContain(alertId);
    expect(
      (await page.getByLabel('Email', { exact: true }).getAttribute('aria-describedby'))?.split(' '),
    ).toContain(alertId);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('password');

    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Allow', exact: true }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.getByRole('heading', { name: 'Authorization complete' }).waitFor();
    const landed = new URL(page.url());
    expect(landed.searchParams.get('code')).toBeTruthy();
    expect(landed.searchParams.get('state')).toBe(state);
  });

  it('signing up with an email that already has an account is refused with HTTP 409 and signs nobody in', async () => {
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (response.request().method() === 'POST' && new URL(response.url()).pathname === '/signup') {
        statuses.push(response.status());
      }
    });
    const { url } = request();
    const attempt = driveAuthorization(
      page,
      url,
      { email: USER.email, password: 'a different password' },
      { signUp: true },
    );
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BrowserFlowError);
    expect((error as BrowserFlowError).steps).toEqual(['sign-up']);
    expect((error as BrowserFlowError).pageText).toContain('An account with this email already exists');
    expect(statuses).toEqual([409]);
    expect(await page.getByRole('main').getByRole('alert').textContent()).toContain('already exists');
    expect((await context.cookies()).map((c) => c.name)).not.toContain('gatehouse_session');
    // The existing account's password was not replaced.
    const original = await driveAuthorization(page, url, USER);
    expect(original.steps).toEqual(['sign-in', 'consent']);
  });

  it('logout asks for confirmation, and "Sign out" ends the session so the next authorization asks to sign in', async () => {
    const user = userFor('logout');
    const first = await driveAuthorization(page, request().url, user);
    expect(first.steps).toEqual(['sign-in', 'consent']);
    // The session is live: the same request now goes straight back to the client.
    const again = await driveAuthorization(page, request().url, user);
    expect(again.steps).toEqual([]);
    expect(again.redirect.searchParams.get('code')).toBeTruthy();

    await page.goto(`${srv.issuer}/logout`);
    await page.getByRole('heading', { level: 1, name: 'Sign out?' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain(user.email);
    // Merely visiting /logout (e.g. a cross-site link) has not ended the session.
    const stillSignedIn = await driveAuthorization(page, request().url, user);
    expect(stillSignedIn.steps).toEqual([]);

    await page.goto(`${srv.issuer}/logout`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Signed out' }).waitFor();

    await page.goto(request().url);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.getByLabel('Password', { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});

describe('hosted pages with sign-up disabled (signup: false)', () => {
  let srv: TestServer;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    srv = await startServer(browserSuiteOptions([], { signup: false }));
  });
  afterAll(() => srv?.close());
  beforeEach(async () => {
    context = await newBrowserContext(browser);
    page = await context.newPage();
  });
  afterEach(() => context?.close());

  it('the sign-in page offers no "Create one" link and /signup is an error page', async () => {
    const { url } = authorizationUrl(srv.issuer, {
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
      scope: 'todos.read',
      resource: RESOURCE,
    });
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.getByLabel('Password', { exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Create one' }).count()).toBe(0);
    expect(await page.locator('a[href*="signup"]').count()).toBe(0);

    const interaction = new URL(page.url()).searchParams.get('interaction')!;
    const response = await page.goto(`${srv.issuer}/signup?interaction=${encodeURIComponent(interaction)}`);
    expect(response?.status()).toBe(404);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Sign-up is not available');
    expect(await page.getByRole('button', { name: 'Create account' }).count()).toBe(0);
    expect(await page.getByLabel('Password').count()).toBe(0);
  });

  it('existing users still sign in and consent when sign-up is disabled', async () => {
    const { url, state } = authorizationUrl(srv.issuer, {
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
      scope: 'todos.read',
      resource: RESOURCE,
    });
    const redirect = await approveInBrowser(page, url, USER);
    expect(redirect.searchParams.get('state')).toBe(state);
    expect(redirect.searchParams.get('code')).toBeTruthy();
  });
});
