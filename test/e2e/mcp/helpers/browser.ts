import { UserAgent } from '../../../helpers/user-agent.js';
import { USER } from './stack.js';

/**
 * Where the user's browser takes over: opens the authorization URL, signs in, presses Allow, and
 * returns the URL the authorization server redirected back to (the client's loopback callback).
 *
 * For now this drives the real hosted pages over HTTP with test/helpers/user-agent.ts. Real Chromium
 * plugs in here with the same signature: test/helpers/browser.ts has `approveInBrowser(page, url, user)`
 * (sign in by the Email and Password labels, press Allow, capture the redirect), so this
 * becomes `approveInBrowser(page, authorizationUrl, user)` with a page from a per-file browser. Every
 * MCP e2e test reaches the browser only through this function (TodoCliProvider's default `approve`).
 */
export async function approveInBrowser(
  authorizationUrl: string | URL,
  user: { email: string; password: string } = USER,
): Promise<URL> {
  const url = new URL(authorizationUrl);
  const agent = new UserAgent(url.origin);
  const { location, response } = await agent.authorize(url.href, user);
  if (!location)
    throw new Error(
      `authorization did not redirect back (status ${response.status}): ${(await response.text()).slice(0, 300)}`,
    );
  return new URL(location);
}
