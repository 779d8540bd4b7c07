import type { TestServer } from './server.js';
import { decodeEntities, type UserAgent } from './user-agent.js';

/** The session's CSRF token on the account page (every form there carries the same one). */
export async function accountCsrf(srv: TestServer, agent: UserAgent): Promise<string> {
  const page = await agent.request(`${srv.issuer}/account`);
  const csrf = /name="csrf" value="([^"]*)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('no CSRF field on the account page');
  return decodeEntities(csrf);
}

/** POSTs an account-page action as the page's own form would (same origin, the session's CSRF token). */
export async function postAccount(
  srv: TestServer,
  agent: UserAgent,
  fields: Record<string, string>,
  options: { csrf?: string | null; origin?: string } = {},
): Promise<Response> {
  const body = new URLSearchParams(fields);
  const csrf = options.csrf === undefined ? await accountCsrf(srv, agent) : options.csrf;
  if (csrf !== null) body.set('csrf', csrf);
  return agent.request(`${srv.issuer}/account`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: options.origin ?? srv.origin },
    body,
  });
}
