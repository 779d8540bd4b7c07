/**
 * Real-browser helpers for Gatehouse's end-to-end tests: launch Debian's Chromium through
 * playwright-core, and drive the hosted sign-in, sign-up and consent pages the way a person does
 * (by their accessible labels and button names, DESIGN §5), up to the redirect back to the client.
 *
 * Chromium comes from the OS, not from `npx playwright install` (which cannot download here):
 *   apt-get install -y chromium          # provides /usr/bin/chromium
 * Set GATEHOUSE_CHROMIUM to use another binary.
 *
 * Typical use:
 *   const browser = await launchBrowser();                 // once per test file (beforeAll)
 *   const context = await newBrowserContext(browser);      // once per test
 *   const page = await context.newPage();
 *   const redirect = await approveInBrowser(page, authorizationUrl, USER);
 *   redirect.searchParams.get('code');
 *   await context.close(); await closeBrowser(browser);
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type ConsoleMessage,
  chromium,
  type Locator,
  type Page,
  type Request,
} from 'playwright-core';

export const CHROMIUM_PATH = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, offline, headless Chromium in a container (no sandbox, no background traffic). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    headless: true,
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/** Closes the browser; safe to call with undefined (e.g. when beforeAll failed). */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  await browser?.close();
}

/**
 * A fresh, isolated context (own cookies) with deterministic rendering: fixed viewport, light colour
 * scheme, English locale, UTC, no animations. Give every test its own context.
 */
export async function newBrowserContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 800, height: 720 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    reducedMotion: 'reduce',
    locale: 'en-US',
    timezoneId: 'UTC',
    ...options,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(10_000);
  return context;
}

// ---------------------------------------------------------------------------------------------------
// A client's redirect target
// ---------------------------------------------------------------------------------------------------

export interface CallbackServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `http://127.0.0.1:PORT/callback`: matches `native-app`'s registered `http://127.0.0.1/callback`. */
  redirectUri: string;
  /** Every URL the server was asked for, in order. */
  readonly hits: URL[];
  close(): Promise<void>;
}

/**
 * A tiny loopback HTTP server on an ephemeral port, standing in for a native or MCP client's redirect
 * listener. It answers every request with a plain "you can close this window" page and records it.
 */
export async function startCallbackServer(): Promise<CallbackServer> {
  const hits: URL[] = [];
  let origin = '';
  const server: Server = createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', origin));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      '<!doctype html><html lang="en"><head><title>Done</title><link rel="icon" href="data:,"></head>' +
        '<body><main><h1>Authorization complete</h1></main></body></html>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    redirectUri: `${origin}/callback`,
    hits,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Authorization requests
// ---------------------------------------------------------------------------------------------------

export interface AuthorizationRequestInput {
  clientId: string;
  redirectUri: string;
  scope?: string;
  resource?: string;
  prompt?: string;
  /** Defaults to a random value; pass a fixed one where the value must not vary (screenshots). */
  state?: string;
}

export interface AuthorizationRequestUrl {
  url: string;
  state: string;
  /** The PKCE code_verifier matching the S256 code_challenge in `url`. */
  verifier: string;
}

/** An OAuth 2.1 authorization request URL for `{issuer}/authorize`, with PKCE S256 and a state. */
export function authorizationUrl(issuer: string, input: AuthorizationRequestInput): AuthorizationRequestUrl {
  const verifier = randomBytes(32).toString('base64url');
  const state = input.state ?? randomBytes(12).toString('base64url');
  const url = new URL(`${issuer}/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  if (input.scope !== undefined) url.searchParams.set('scope', input.scope);
  if (input.resource !== undefined) url.searchParams.set('resource', input.resource);
  if (input.prompt !== undefined) url.searchParams.set('prompt', input.prompt);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return { url: url.href, state, verifier };
}

// ---------------------------------------------------------------------------------------------------
// Driving the hosted pages
// ---------------------------------------------------------------------------------------------------

export type FlowStep = 'sign-in' | 'sign-up' | 'consent';

export interface ApproveOptions {
  /** The button to press on the consent page. Default `allow`. */
  decision?: 'allow' | 'deny';
  /**
   * Where the client expects the redirect (http or https). Defaults to the `redirect_uri` parameter
   * of the authorization URL; when that is absent too, the first navigation that leaves the
   * authorization URL's origin counts as the redirect. A loopback URI written without a port matches
   * any port.
   */
  redirectUri?: string;
  /** Create the account through the sign-in page's "Create one" link instead of signing in. */
  signUp?: boolean;
  /** Upper bound for the whole flow. Default 20 s. */
  timeoutMs?: number;
  /**
   * Called on each hosted page as it is recognised, before anything is filled in or pressed there:
   * the place to assert what the page shows (e.g. the consent page's client name and host). A throw
   * ends the flow with that error.
   */
  onPage?: (step: FlowStep, page: Page) => void | Promise<void>;
}

export interface AuthorizationOutcome {
  /** The URL the browser was sent to at the client: carries `code` or `error`, `state` and `iss`. */
  redirect: URL;
  /** The Gatehouse pages the user went through, in order (empty when nothing was asked). */
  steps: FlowStep[];
}

/**
 * Thrown when the flow stops on a page it cannot get past (error page, rejected password, a form the
 * browser refused to send, timeout). The message carries the page's text and the browser console's
 * errors (a CSP refusal shows up there).
 */
export class BrowserFlowError extends Error {
  constructor(
    message: string,
    readonly pageUrl: string,
    readonly pageText: string,
    readonly steps: FlowStep[],
    readonly consoleErrors: string[] = [],
  ) {
    super(
      [
        message,
        `  at page ${pageUrl}`,
        `  steps: ${steps.join(' → ') || '(none)'}`,
        `  page text: ${pageText.slice(0, 600)}`,
        ...consoleErrors.map((text) => `  console: ${text}`),
      ].join('\n'),
    );
    this.name = 'BrowserFlowError';
  }
}

/**
 * Opens `authorizationUrl` in `page` and acts as `user`: signs in (or signs up, with `signUp`) through
 * the fields labelled Email and Password, presses Allow (or Deny) on the consent page when it appears,
 * and resolves with the URL of the redirect back to the client, whatever pages were skipped (a live
 * session skips sign-in; remembered consent or a first-party client skips consent).
 *
 * The redirect is observed as a navigation request of the page's main frame (including the hops of a
 * 302/303 chain, which `page.route` cannot see), so it is caught whether or not anything listens at
 * the redirect URI: with a real listener (an MCP client's loopback callback, `startCallbackServer`)
 * the request is delivered and this resolves once the listener has answered; with none (e.g.
 * `https://post.example/cb`) the failed navigation is ignored. Nothing is intercepted or modified, so
 * the browser sees exactly what Gatehouse sent.
 *
 * Throws `BrowserFlowError` when it lands on an error page, when the credentials are refused, when a
 * form submission loads no new page, or when nothing recognisable happens within `timeoutMs`.
 *
 * @example
 *   const page = await (await newBrowserContext(browser)).newPage();
 *   const redirect = await approveInBrowser(page, authorizationUrl, USER);            // Allow
 *   const denied = await approveInBrowser(page, url2, USER, { decision: 'deny' });   // error=access_denied
 */
export async function approveInBrowser(
  page: Page,
  authorizationUrl: string,
  user: { email: string; password: string },
  options: ApproveOptions = {},
): Promise<URL> {
  return (await driveAuthorization(page, authorizationUrl, user, options)).redirect;
}

/** `approveInBrowser`, also reporting which pages were shown (to assert that consent was skipped, say). */
export async function driveAuthorization(
  page: Page,
  authorizationUrl: string,
  user: { email: string; password: string },
  options: ApproveOptions = {},
): Promise<AuthorizationOutcome> {
  const steps: FlowStep[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const isRedirect = redirectMatcher(authorizationUrl, options.redirectUri);

  let redirectRequest: Request | undefined;
  let onRedirect: (request: Request) => void = () => {};
  const redirected = new Promise<Request>((resolve) => {
    onRedirect = resolve;
  });
  const onRequest = (request: Request) => {
    if (redirectRequest || request.frame() !== page.mainFrame() || !request.isNavigationRequest()) return;
    if (!isRedirect(new URL(request.url()))) return;
    redirectRequest = request;
    onRedirect(request);
  };
  const consoleErrors: string[] = [];
  const onConsole = (message: ConsoleMessage) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  };
  page.on('request', onRequest);
  page.on('console', onConsole);

  const fail = async (message: string): Promise<never> => {
    const text = await page
      .locator('body')
      .innerText({ timeout: 1_000 })
      .catch(() => '');
    throw new BrowserFlowError(message, page.url(), text, steps, consoleErrors);
  };

  // Navigation errors after the redirect was seen are expected (nothing may listen there).
  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      if (!redirectRequest) throw error;
    }
  };

  // Activates a link or submit button; fails clearly when no new document arrives (e.g. the browser
  // refused to send the form: CSP form-action, which also applies to the redirects after the POST).
  const press = async (target: Locator, what: string) => {
    let replaced = false;
    await act(async () => {
      replaced = await activate(page, target, redirected, deadline);
    });
    if (!replaced && !redirectRequest) await fail(`${what} did not load a new page`);
  };

  const fillCredentials = async () => {
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
  };

  try {
    await act(() => page.goto(authorizationUrl, { waitUntil: 'domcontentloaded' }));
    for (let round = 0; round < 8; round++) {
      const state = await Promise.race([
        redirected.then(() => 'redirect' as const),
        whichPage(page, deadline),
      ]);
      if (state === 'redirect' || redirectRequest) {
        await settle(redirectRequest!, deadline);
        return { redirect: new URL(redirectRequest!.url()), steps };
      }
      if (state === 'timeout') return await fail('No sign-in, consent or redirect happened in time');
      if (state === 'error') return await fail('Gatehouse showed an error page');
      if (state === 'sign-in') {
        const last = steps.at(-1);
        if (last === 'sign-in' || last === 'sign-up') {
          return await fail('The sign-in page came back: the credentials were not accepted');
        }
        if (options.signUp) {
          await press(page.getByRole('link', { name: 'Create one', exact: true }), 'The "Create one" link');
          continue;
        }
        steps.push('sign-in');
        await options.onPage?.('sign-in', page);
        await fillCredentials();
        await press(page.getByRole('button', { name: 'Sign in', exact: true }), 'Sign in');
      } else if (state === 'sign-up') {
        if (steps.at(-1) === 'sign-up')
          return await fail('The sign-up page came back: the account was not created');
        steps.push('sign-up');
        await options.onPage?.('sign-up', page);
        await fillCredentials();
        await press(page.getByRole('button', { name: 'Create account', exact: true }), 'Create account');
      } else {
        if (steps.at(-1) === 'consent') return await fail('The consent page came back after a decision');
        steps.push('consent');
        await options.onPage?.('consent', page);
        const name = options.decision === 'deny' ? 'Deny' : 'Allow';
        await press(page.getByRole('button', { name, exact: true }), name);
      }
    }
    return await fail('Too many pages before the redirect');
  } finally {
    page.off('request', onRequest);
    page.off('console', onConsole);
  }
}

/**
 * Clicks `target` and waits until the next document has replaced the current one or the redirect to
 * the client was seen (true), or until ten seconds pass (false).
 */
async function activate(
  page: Page,
  target: Locator,
  redirected: Promise<unknown>,
  deadline: number,
): Promise<boolean> {
  // A marker in the current document: it disappears once the navigation has committed. Polled with
  // evaluate, which CDP runs regardless of the pages' strict CSP (waitForFunction is blocked by it).
  await page.evaluate(() => {
    (window as unknown as { __gatehouseOld?: boolean }).__gatehouseOld = true;
  });
  let seen = false;
  void redirected.then(() => {
    seen = true;
  });
  await target.click();
  const until = Math.min(deadline, Date.now() + 10_000);
  while (Date.now() < until) {
    if (seen) return true;
    const old = await page
      .evaluate(() => (window as unknown as { __gatehouseOld?: boolean }).__gatehouseOld === true)
      .catch(() => true); // the document is being replaced: look again
    if (!old) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return seen;
}

type PageState = FlowStep | 'error' | 'timeout';

/** Waits for the current document to be one of the hosted pages, and says which. */
async function whichPage(page: Page, deadline: number): Promise<PageState> {
  const signIn = page.getByRole('button', { name: 'Sign in', exact: true });
  const signUp = page.getByRole('button', { name: 'Create account', exact: true });
  const allow = page.getByRole('button', { name: 'Allow', exact: true });
  const alert = page.getByRole('main').getByRole('alert');
  for (;;) {
    const timeout = deadline - Date.now();
    if (timeout <= 0) return 'timeout';
    try {
      await signIn.or(signUp).or(allow).or(alert).first().waitFor({ state: 'visible', timeout });
    } catch {
      // Navigation in progress (context destroyed) or deadline: look again or give up.
      if (Date.now() >= deadline) return 'timeout';
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    if (await allow.isVisible()) return 'consent';
    if (await signIn.isVisible()) return 'sign-in';
    if (await signUp.isVisible()) return 'sign-up';
    if (await alert.isVisible()) return 'error';
  }
}

/** Waits (bounded) until the redirect's response has arrived or its navigation failed. */
async function settle(request: Request, deadline: number): Promise<void> {
  const response = await Promise.race([
    request.response().catch(() => null),
    new Promise<null>((resolve) => setTimeout(resolve, Math.max(0, Math.min(5_000, deadline - Date.now())))),
  ]);
  await response?.finished().catch(() => null);
}

function redirectMatcher(authorizationUrl: string, explicit: string | undefined): (url: URL) => boolean {
  const authorization = new URL(authorizationUrl);
  const expected = explicit ?? authorization.searchParams.get('redirect_uri') ?? undefined;
  if (expected === undefined) return (url) => url.origin !== authorization.origin;
  const target = new URL(expected);
  const loopback = /^(127\.0\.0\.1|\[::1\]|localhost)$/.test(target.hostname);
  const anyPort = loopback && target.protocol === 'http:' && !/^http:\/\/[^/?#]*:\d+/.test(expected);
  return (url) =>
    url.protocol === target.protocol &&
    url.hostname === target.hostname &&
    (anyPort || url.port === target.port) &&
    url.pathname === target.pathname &&
    (url.searchParams.has('code') || url.searchParams.has('error'));
}
