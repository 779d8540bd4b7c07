import type { Browser, BrowserContext, Page } from 'playwright-core';
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
import { RESOURCE } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { browserSuiteOptions, definition, redeemCode, userFor } from './support.js';

describe('consent page in Chromium', () => {
  let browser: Browser;
  let srv: TestServer;
  let callback: CallbackServer;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [browser, srv, callback] = await Promise.all([
      launchBrowser(),
      startServer(browserSuiteOptions(['shows', 'denies', 'remembers', 'first-party'])),
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
    page = await context.newPage();
  });
  afterEach(() => context?.close());

  const native = (options: { scope?: string; prompt?: string; redirectUri?: string } = {}) =>
    authorizationUrl(srv.issuer, {
      clientId: 'native-app',
      redirectUri: options.redirectUri ?? callback.redirectUri,
      scope: options.scope ?? 'todos.read todos.write',
      resource: RESOURCE,
      prompt: options.prompt,
    });

  async function signIn(user: { email: string; password: string }): Promise<void> {
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it('shows the client name, redirect host, scopes and resource; Allow returns a code that redeems for those scopes', async () => {
    const user = userFor('shows');
    const { url, state, verifier } = native();
    await page.goto(url);
    // The sign-in page names the client too.
    expect(await page.getByRole('main').textContent()).toContain('to continue to Native App');
    await signIn(user);

    const allow = page.getByRole('button', { name: 'Allow', exact: true });
    await allow.waitFor();
    expect(await page.getByRole('button', { name: 'Deny', exact: true }).isVisible()).toBe(true);
    const heading = page.getByRole('heading', { level: 1 });
    expect((await heading.textContent())?.trim()).toBe('Native App wants to access your account');
    const callbackHost = new URL(callback.redirectUri).host;
    expect(await definition(page, 'Sends you back to')).toBe(callbackHost);
    expect(await definition(page, 'Resource')).toContain('Todo MCP');
    expect(await definition(page, 'Resource')).toContain(RESOURCE);
    expect(await definition(page, 'Signed in as')).toBe(user.email);
    const scopes = await page.getByRole('listitem').allTextContents();
    expect(scopes.map((s) => s.trim())).toEqual(['todos.read', 'todos.write']);

    await allow.click();
    await page.getByRole('heading', { name: 'Authorization complete' }).waitFor();
    const landed = new URL(page.url());
    expect(landed.origin + landed.pathname).toBe(callback.redirectUri);
    expect(landed.searchParams.get('error')).toBeNull();
    expect(landed.searchParams.get('state')).toBe(state);
    expect(landed.searchParams.get('iss')).toBe(srv.issuer);
    const tokens = await redeemCode(srv.issuer, {
      code: landed.searchParams.get('code')!,
      verifier,
      clientId: 'native-app',
      redirectUri: callback.redirectUri,
      resource: RESOURCE,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe('todos.read todos.write');
  });

  it('Deny returns error=access_denied with state and iss, and no code', async () => {
    const { url, state } = native();
    const outcome = await driveAuthorization(page, url, userFor('denies'), { decision: 'deny' });
    expect(outcome.steps).toEqual(['sign-in', 'consent']);
    const redirect = outcome.redirect;
    expect(redirect.origin + redirect.pathname).toBe(callback.redirectUri);
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe(state);
    expect(redirect.searchParams.get('iss')).toBe(srv.issuer);
    expect(redirect.searchParams.has('code')).toBe(false);
    await page.getByRole('heading', { name: 'Authorization complete' }).waitFor();

    // A denial is not remembered as consent: the next request asks again.
    const again = await driveAuthorization(page, native().url, userFor('denies'), { decision: 'deny' });
    expect(again.steps).toEqual(['consent']);
  });

  it('remembers consent for the same scopes and redirect URI; prompt=consent or a new loopback port asks again', async () => {
    const user = userFor('remembers');
    const first = await driveAuthorization(page, native().url, user);
    expect(first.steps).toEqual(['sign-in', 'consent']);
    expect(first.redirect.searchParams.get('code')).toBeTruthy();

    const second = native();
    const remembered = await driveAuthorization(page, second.url, user);
    expect(remembered.steps).toEqual([]);
    expect(remembered.redirect.searchParams.get('code')).toBeTruthy();
    expect(remembered.redirect.searchParams.get('state')).toBe(second.state);

    // A subset of what was approved is covered too.
    const subset = await driveAuthorization(page, native({ scope: 'todos.read' }).url, user);
    expect(subset.steps).toEqual([]);

    const forced = await driveAuthorization(page, native({ prompt: 'consent' }).url, user);
    expect(forced.steps).toEqual(['consent']);
    expect(forced.redirect.searchParams.get('code')).toBeTruthy();

    // Another loopback port is another (possibly hostile) local app: RFC 8252 §8.6.
    const otherPort = await startCallbackServer();
    try {
      const moved = await driveAuthorization(page, native({ redirectUri: otherPort.redirectUri }).url, user);
      expect(moved.steps).toEqual(['consent']);
      expect(moved.redirect.origin).toBe(otherPort.origin);
      expect(otherPort.hits.some((u) => u.pathname === '/callback' && u.searchParams.has('code'))).toBe(true);
    } finally {
      await otherPort.close();
    }
  });

  it('a first-party client (post-app) skips the consent page entirely', async () => {
    const { url, state } = authorizationUrl(srv.issuer, {
      clientId: 'post-app',
      redirectUri: 'https://post.example/cb',
      scope: 'todos.read todos.write',
      resource: RESOURCE,
    });
    const outcome = await driveAuthorization(page, url, userFor('first-party'));
    expect(outcome.steps).toEqual(['sign-in']);
    expect(outcome.redirect.origin + outcome.redirect.pathname).toBe('https://post.example/cb');
    expect(outcome.redirect.searchParams.get('code')).toBeTruthy();
    expect(outcome.redirect.searchParams.get('state')).toBe(state);
    expect(outcome.redirect.searchParams.get('iss')).toBe(srv.issuer);
    expect(await page.getByRole('button', { name: 'Allow' }).count()).toBe(0);
  });
});
