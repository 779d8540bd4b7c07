import { describe, expect, it } from 'vitest';
import { authorize, authorizeUrl, get, obtainTokens, signedInAgent, useServer } from '../helpers/oauth.js';
import type { TestServer } from '../helpers/server.js';
import type { UserAgent } from '../helpers/user-agent.js';

/** OpenID Connect RP-Initiated Logout 1.0 (§2, §3), with CSRF protection (OAuth 2.1 §7.9). */

const SIGNED_OUT = 'http://127.0.0.1/signed-out';

function logoutUrl(srv: TestServer, params: Record<string, string>): string {
  const url = new URL(srv.gh.config.endpoints.endSession);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/** Whether the agent still has a live sign-in session (a prompt=none authorization is not login_required). */
async function signedIn(srv: TestServer, agent: UserAgent): Promise<boolean> {
  const response = await agent.request(authorizeUrl(srv, { prompt: 'none' }).url);
  return new URL(response.headers.get('location')!).searchParams.get('error') !== 'login_required';
}

async function confirm(srv: TestServer, agent: UserAgent, params: Record<string, string>, fields = {}) {
  const page = await agent.request(logoutUrl(srv, params));
  expect(page.status).toBe(200);
  return agent.submit(await page.text(), fields);
}

describe('OpenID Connect RP-initiated logout', () => {
  const srv = useServer();

  it('GET with a session shows a confirmation page and does not end the session', async () => {
    const agent = await signedInAgent(srv());
    const page = await agent.request(
      logoutUrl(srv(), { client_id: 'native-app', post_logout_redirect_uri: SIGNED_OUT }),
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('name="csrf"');
    expect(await signedIn(srv(), agent)).toBe(true);
  });

  it('confirming ends the session and redirects (303) to a post_logout_redirect_uri registered for that client, with state', async () => {
    const agent = await signedInAgent(srv());
    const response = await confirm(srv(), agent, {
      client_id: 'native-app',
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'bye',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${SIGNED_OUT}?state=bye`);
    expect(response.headers.getSetCookie().some((c) => /max-age=0/i.test(c))).toBe(true);
    expect(await signedIn(srv(), agent)).toBe(false);
  });

  it('a post_logout_redirect_uri registered for another client is not followed', async () => {
    const agent = await signedInAgent(srv());
    const response = await confirm(srv(), agent, {
      client_id: 'web-app',
      post_logout_redirect_uri: SIGNED_OUT,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('Signed out');
    expect(await signedIn(srv(), agent)).toBe(false);
  });

  it('an unregistered post_logout_redirect_uri is not followed', async () => {
    const agent = await signedInAgent(srv());
    const response = await confirm(srv(), agent, {
      client_id: 'native-app',
      post_logout_redirect_uri: 'https://evil.test/',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
  });

  it('a post_logout_redirect_uri without client_id or id_token_hint is not followed', async () => {
    const agent = await signedInAgent(srv());
    const response = await confirm(srv(), agent, { post_logout_redirect_uri: SIGNED_OUT });
    expect(response.headers.get('location')).toBeNull();
  });

  it('an id_token_hint names the client whose registered URI may be used; a mismatching client_id is refused', async () => {
    const tokens = (await obtainTokens(srv(), { scope: 'openid todos.read' })) as {
      id_token?: string;
    } & Awaited<ReturnType<typeof obtainTokens>>;
    expect(tokens.id_token).toBeTruthy();
    const ok = await confirm(srv(), tokens.auth.agent, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: SIGNED_OUT,
    });
    expect([ok.status, ok.headers.get('location')]).toEqual([303, SIGNED_OUT]);

    const agent = await signedInAgent(srv());
    const mismatch = await confirm(srv(), agent, {
      id_token_hint: tokens.id_token!,
      client_id: 'web-app',
      post_logout_redirect_uri: SIGNED_OUT,
    });
    expect(mismatch.headers.get('location')).toBeNull();
  });

  it('a forged id_token_hint does not unlock a redirect', async () => {
    const agent = await signedInAgent(srv());
    const forged = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: srv().issuer, aud: 'native-app' }),
    ).toString('base64url')}.`;
    const response = await confirm(srv(), agent, {
      id_token_hint: forged,
      post_logout_redirect_uri: SIGNED_OUT,
    });
    expect(response.headers.get('location')).toBeNull();
  });

  it('a logout POST without the CSRF token is refused (403) and the session survives', async () => {
    const agent = await signedInAgent(srv());
    const page = await agent.request(logoutUrl(srv(), {}));
    const response = await agent.submit(await page.text(), { csrf: '' });
    expect(response.status).toBe(403);
    expect(await signedIn(srv(), agent)).toBe(true);
  });

  it('a logout POST from another origin is refused (403) and the session survives', async () => {
    const agent = await signedInAgent(srv());
    const page = await agent.request(logoutUrl(srv(), {}));
    const response = await agent.submit(await page.text(), {}, { origin: 'https://evil.test' });
    expect(response.status).toBe(403);
    expect(await signedIn(srv(), agent)).toBe(true);
  });

  it('without a session, a registered URI is followed and an unregistered one is not', async () => {
    const ok = await get(logoutUrl(srv(), { client_id: 'native-app', post_logout_redirect_uri: SIGNED_OUT }));
    expect([ok.status, ok.headers.get('location')]).toEqual([302, SIGNED_OUT]);
    const bad = await get(
      logoutUrl(srv(), { client_id: 'native-app', post_logout_redirect_uri: 'https://evil.test/' }),
    );
    expect(bad.status).toBe(200);
    expect(bad.headers.get('location')).toBeNull();
  });

  it('after logout, the next authorization asks the user to sign in again', async () => {
    const first = await authorize(srv());
    await confirm(srv(), first.agent, {});
    const again = await authorize(srv(), {}, { agent: first.agent });
    expect(again.pages.some((p) => p.includes('name="password"'))).toBe(true);
  });
});
