import { createHash, randomBytes } from 'node:crypto';
import { type Browser, chromium, type Page, type Response as PwResponse } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  driveAuthorization,
  newBrowserContext,
} from '../../../helpers/browser.js';

/**
 * Sign-in and consent in real Chromium, one browser per test file and one context (one person) per
 * authorization. Nothing leaves this machine: every host name but localhost resolves to nothing
 * (`--host-resolver-rules`), so a redirect to https://chatgpt.com/… or https://vscode.dev/… is seen as
 * a navigation request and then fails; a private-use scheme (cursor://) has no handler and is read
 * from the `Location` of Gatehouse's redirect, exactly as the browser received it.
 */

let browser: Browser | undefined;

export function useChromium(): void {
  beforeAll(async () => {
    browser = await chromium.launch({
      headless: true,
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
      timeout: 30_000,
    });
  });
  afterAll(async () => {
    await browser?.close();
    browser = undefined;
  });
}

export interface Approval {
  /** The redirect back to the client, with `code`, `state` and `iss`. */
  redirect: URL;
  code: string;
  /** The hosted pages shown, in order. */
  steps: string[];
}

/**
 * Opens `authorizationUrl` as `user`, signs in, presses Allow, and returns the redirect to
 * `redirectUri` (a loopback URI without a port matches any port). Fails the test on anything else.
 */
export async function approve(
  authorizationUrl: string,
  user: { email: string; password: string },
  redirectUri: string,
): Promise<Approval> {
  if (!browser) throw new Error('approve() needs useChromium() in the test file');
  const context = await newBrowserContext(browser);
  try {
    const page = await context.newPage();
    const scheme = new URL(redirectUri).protocol;
    const redirect =
      scheme === 'http:' || scheme === 'https:'
        ? await driveAuthorization(page, authorizationUrl, user, { redirectUri })
        : await driveToPrivateScheme(page, authorizationUrl, user, redirectUri);
    const code = redirect.redirect.searchParams.get('code');
    expect(code, `no code in ${redirect.redirect.href}`).toBeTruthy();
    return { redirect: redirect.redirect, code: code!, steps: redirect.steps };
  } finally {
    await context.close();
  }
}

/** A redirect to a private-use scheme: read from the Location header Gatehouse sent to Chromium. */
async function driveToPrivateScheme(
  page: Page,
  authorizationUrl: string,
  user: { email: string; password: string },
  redirectUri: string,
): Promise<{ redirect: URL; steps: string[] }> {
  let location: URL | undefined;
  const onResponse = (response: PwResponse) => {
    const target = response.headers().location;
    if (target?.startsWith(`${redirectUri}?`)) location = new URL(target);
  };
  page.on('response', onResponse);
  try {
    const outcome = await driveAuthorization(page, authorizationUrl, user, {
      redirectUri,
      timeoutMs: 15_000,
    }).catch((error: unknown) => {
      // Chromium raised no navigation request for the scheme: the Location header is the redirect
      // (the pages shown are then unknown).
      if (location) return { redirect: location, steps: [] };
      throw error;
    });
    return { redirect: location ?? outcome.redirect, steps: outcome.steps };
  } finally {
    page.off('response', onResponse);
  }
}

/**
 * An authorization request with PKCE (`params` as the client sends them, `redirect_uri` included),
 * approved in Chromium; checks the redirect's `state` and RFC 9207 `iss` and returns the code.
 */
export async function authorizeInBrowser(
  authorizationEndpoint: string,
  params: Record<string, string>,
  user: { email: string; password: string },
  issuer: string,
): Promise<{ code: string; verifier: string; redirect: URL; steps: string[]; url: URL }> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const url = new URL(authorizationEndpoint);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  const redirectUri = params.redirect_uri;
  if (!redirectUri) throw new Error('authorizeInBrowser needs a redirect_uri');
  const approval = await approve(url.href, user, redirectUri);
  expect(approval.redirect.searchParams.get('state')).toBe(state);
  expect(approval.redirect.searchParams.get('iss')).toBe(issuer);
  return { ...approval, verifier, url };
}
