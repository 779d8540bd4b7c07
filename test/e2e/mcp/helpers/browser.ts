import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  type ApproveOptions,
  type AuthorizationOutcome,
  closeBrowser,
  driveAuthorization,
  launchBrowser,
  newBrowserContext,
} from '../../../helpers/browser.js';
import type { User } from './stack.js';

/**
 * Where the user's browser takes over, in real Chromium (test/helpers/browser.ts): one browser per
 * test file, and one context per test, i.e. one person's browser whose Gatehouse session lasts for
 * the test. Every MCP e2e authorization reaches the browser only through `approveInBrowser`.
 */

let browser: Browser | undefined;
let context: BrowserContext | undefined;

/** Call once at the top of a test file that authorizes: launches Chromium for the file. */
export function useChromium(): void {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await closeBrowser(browser);
    browser = undefined;
  });
  beforeEach(async () => {
    if (!browser) throw new Error('Chromium did not start');
    context = await newBrowserContext(browser);
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
}

/**
 * Opens the authorization URL in a new tab of this test's browser, signs in as `user` by the labels
 * Email and Password and the button "Sign in" when asked, presses Allow on the consent page, and
 * resolves once the redirect back to the client (its loopback listener) has been delivered.
 */
export async function approveInBrowser(
  authorizationUrl: string | URL,
  user: User,
  options: ApproveOptions = {},
): Promise<AuthorizationOutcome> {
  if (!context) throw new Error('approveInBrowser needs useChromium() at the top of the test file');
  const page = await context.newPage();
  try {
    return await driveAuthorization(page, String(authorizationUrl), user, options);
  } finally {
    await page.close();
  }
}
