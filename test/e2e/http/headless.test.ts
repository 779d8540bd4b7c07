import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../../src/config/resolve.js';
import { USER } from '../../helpers/fixtures.js';
import {
  HEADLESS_CONNECTION,
  HeadlessUi,
  headlessOptions,
  LOGIN_URL,
  UI_ORIGIN,
} from '../../helpers/headless.js';
import { authorizeUrl, NATIVE_REDIRECT, POST_REDIRECT, redeem, useServer } from '../../helpers/oauth.js';
import { TEST_SECRET } from '../../helpers/server.js';
import { UserAgent } from '../../helpers/user-agent.js';

/**
 * Issue 16, headless API (docs/headless.md): each endpoint's contract over real HTTP, driven by the
 * authorization request exactly as a team's own sign-in page drives it.
 */

describe('headless API: the authorization request goes to the team page', () => {
  const srv = useServer(() => headlessOptions({ connections: [HEADLESS_CONNECTION] }));

  it('/authorize sends a browser without a session to loginUrl with the sealed interaction, keeping its query', async () => {
    const { location } = await new HeadlessUi(srv()).begin();
    expect(location.origin + location.pathname).toBe(`${UI_ORIGIN}/login`);
    expect(location.searchParams.get('theme')).toBe('dark');
    expect(location.searchParams.get('interaction')).toBeTruthy();
  });

  it('GET state presents the client, the request, the sign-in methods and the next step, with credentialed CORS for the UI origin', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const state = await ui.state(interaction);
    expect(state.status).toBe(200);
    expect(state.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(state.headers.get('access-control-allow-credentials')).toBe('true');
    expect(state.headers.get('vary')).toMatch(/origin/i);
    expect(state.headers.get('cache-control')).toMatch(/no-store/);
    expect(state.body).toMatchObject({
      next: 'login',
      client: {
        client_id: 'native-app',
        name: 'Native App',
        lane: 'preregistered',
        client_id_host: null,
        redirect_host: new URL(NATIVE_REDIRECT).host,
      },
      request: {
        scopes: [{ name: 'todos.read' }, { name: 'todos.write' }],
        resource: srv().gh.config.resources[0]!.resource,
        resource_name: 'Todo MCP',
      },
      user: null,
      connections: [{ id: 'corp', name: 'Corp SSO' }],
      signup: true,
    });
    expect(state.body.client.warnings).toContain(
      'This application runs on your own computer (it returns to a local address).',
    );
    expect(state.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(state.body.redirect_to).toBeUndefined();
  });

  it('answers the CORS preflight for the UI origin with the method and the CSRF header', async () => {
    const response = await fetch(new HeadlessUi(srv()).api('password'), {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-gatehouse-csrf',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type, x-gatehouse-csrf');
  });

  it('POST identify answers the next step for an address without saying whether an account exists', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const { body } = await ui.state(interaction);
    const known = await ui.post('identify', { interaction, email: USER.email }, { csrf: body.csrf_token });
    const unknown = await ui.post(
      'identify',
      { interaction, email: 'nobody@example.com' },
      { csrf: body.csrf_token },
    );
    expect(known.status).toBe(200);
    expect(known.body).toEqual({ next: 'password', email: USER.email, signup: true });
    expect(unknown.body).toEqual({ next: 'password', email: 'nobody@example.com', signup: true });
    const bad = await ui.post(
      'identify',
      { interaction, email: 'not-an-address' },
      { csrf: body.csrf_token },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
  });

  it('password → consent allow → the redirect URI with a code that redeems at /token', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, verifier, state } = await ui.begin();
    const signedIn = await ui.signIn(interaction, USER);
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.getSetCookie().join('\n')).toMatch(/gatehouse_session=ghs_.*HttpOnly/);
    expect(signedIn.body).toMatchObject({ next: 'consent', user: { email: USER.email } });
    const allow = await ui.post(
      'consent',
      { interaction, decision: 'allow' },
      { csrf: signedIn.body.csrf_token },
    );
    expect(allow.status).toBe(200);
    const back = new URL(allow.body.redirect_to);
    expect(back.origin + back.pathname).toBe(NATIVE_REDIRECT);
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(srv().issuer);
    const token = await redeem(srv(), { code: back.searchParams.get('code'), verifier });
    expect(token.status).toBe(200);
    expect(token.body.access_token).toBeTruthy();
  });

  it('remembered consent: the next /authorize from the same browser goes straight back with a code', async () => {
    const ui = new HeadlessUi(srv());
    const first = await ui.begin();
    const signedIn = await ui.signIn(first.interaction, USER);
    await ui.post(
      'consent',
      { interaction: first.interaction, decision: 'allow' },
      { csrf: signedIn.body.csrf_token },
    );
    const { url } = authorizeUrl(srv());
    const again = await ui.agent.request(url);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get('location')!).searchParams.get('code')).toMatch(/^ghc_/);
  });

  it('a first-party client skips consent: next is continue, and /authorize/resume issues the code', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin({ client_id: 'post-app', redirect_uri: POST_REDIRECT });
    const signedIn = await ui.signIn(interaction, USER);
    expect(signedIn.body.next).toBe('continue');
    expect(signedIn.body.redirect_to).toBe(
      `${srv().issuer}/authorize/resume?interaction=${encodeURIComponent(interaction)}`,
    );
    const resumed = await ui.agent.request(signedIn.body.redirect_to);
    expect(resumed.status).toBe(302);
    expect(new URL(resumed.headers.get('location')!).searchParams.get('code')).toMatch(/^ghc_/);
  });

  it('consent deny answers the redirect URI with error=access_denied and no code', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, state } = await ui.begin();
    const signedIn = await ui.signIn(interaction, USER);
    const deny = await ui.post(
      'consent',
      { interaction, decision: 'deny' },
      { csrf: signedIn.body.csrf_token },
    );
    expect(deny.status).toBe(200);
    const back = new URL(deny.body.redirect_to);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.has('code')).toBe(false);
  });

  it('a wrong password is 401 access_denied as JSON the UI can read', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const answer = await ui.signIn(interaction, {
      email: 'wrong-pw@example.com',
      password: 'not the password',
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      error: 'access_denied',
      error_description: 'The email or password is not correct.',
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  });

  it('POST signup creates the account, signs it in and moves on; an existing address is 409', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const { body } = await ui.state(interaction);
    const created = await ui.post(
      'signup',
      { interaction, email: 'new-headless@example.com', password: 'a long enough password' },
      { csrf: body.csrf_token },
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ next: 'consent', user: { email: 'new-headless@example.com' } });
    const other = new HeadlessUi(srv());
    const second = await other.begin();
    const fresh = await other.state(second.interaction);
    const exists = await other.post(
      'signup',
      { interaction: second.interaction, email: USER.email, password: 'a long enough password' },
      { csrf: fresh.body.csrf_token },
    );
    expect(exists.status).toBe(409);
    const short = await other.post(
      'signup',
      { interaction: second.interaction, email: 'short@example.com', password: 'short' },
      { csrf: fresh.body.csrf_token },
    );
    expect(short.status).toBe(400);
    expect(short.body.error).toBe('invalid_request');
  });

  it('POST provider answers the connection start URL carrying the interaction; an unknown one is 404', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const { body } = await ui.state(interaction);
    const start = await ui.post('provider', { interaction, connection: 'corp' }, { csrf: body.csrf_token });
    expect(start.status).toBe(200);
    expect(start.body.redirect_to).toBe(
      `${srv().issuer}/connections/corp/start?interaction=${encodeURIComponent(interaction)}`,
    );
    const unknown = await ui.post('provider', { interaction, connection: 'nope' }, { csrf: body.csrf_token });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
  });

  it('prompt=login: a signed-in browser is asked to sign in again', async () => {
    const ui = new HeadlessUi(srv());
    const first = await ui.begin();
    await ui.signIn(first.interaction, USER);
    const { interaction } = await ui.begin({ prompt: 'login' });
    const state = await ui.state(interaction);
    expect(state.body).toMatchObject({ next: 'login', user: null });
  });

  it('the hosted sign-in page stays available for the same interaction', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const page = await ui.agent.request(
      `${srv().issuer}/login?interaction=${encodeURIComponent(interaction)}`,
    );
    expect(page.status).toBe(200);
  });

  it('errors are JSON with their status: unknown action 404, wrong method 405, not JSON 400', async () => {
    const ui = new HeadlessUi(srv());
    const missing = await ui.post('nothing', {});
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not_found');
    const get = await ui.agent.request(ui.api('password'), { headers: { origin: UI_ORIGIN } });
    expect(get.status).toBe(405);
    const { interaction } = await ui.begin();
    const { body } = await ui.state(interaction);
    const form = await ui.post('password', 'email=a', {
      csrf: body.csrf_token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(400);
    const broken = await ui.post('password', '{"interaction":', { csrf: body.csrf_token });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('invalid_request');
  });
});

describe('headless API: off unless enabled', () => {
  const srv = useServer();

  it('without headless.enabled the API is 404 and /authorize uses the hosted sign-in page', async () => {
    const agent = new UserAgent(srv().origin);
    const api = await agent.request(`${srv().issuer}/interaction/api/state`, {
      headers: { origin: UI_ORIGIN },
    });
    expect(api.status).toBe(404);
    const { url } = authorizeUrl(srv());
    const start = await agent.request(url);
    expect(start.headers.get('location')).toMatch(/^\/login\?interaction=/);
  });
});

describe('headless configuration', () => {
  const base = { issuer: 'https://auth.example', secret: TEST_SECRET, logger: false as const };

  it('names the field: enabled needs loginUrl; origins are bare https origins', () => {
    expect(() => resolveConfig({ ...base, headless: { enabled: true } })).toThrow(
      /headless\.loginUrl: is required/,
    );
    expect(() =>
      resolveConfig({ ...base, headless: { enabled: true, loginUrl: 'http://app.example/login' } }),
    ).toThrow(/headless\.loginUrl: must use https/);
    expect(() =>
      resolveConfig({
        ...base,
        headless: { enabled: true, loginUrl: LOGIN_URL, origins: ['https://a.example/x'] },
      }),
    ).toThrow(ConfigError);
    expect(() =>
      resolveConfig({ ...base, headless: { enabled: true, loginUrl: LOGIN_URL, origins: ['*'] } }),
    ).toThrow(/headless\.origins\[0\]/);
  });

  it('allows the loginUrl origin and the listed ones', () => {
    const config = resolveConfig({
      ...base,
      headless: { enabled: true, loginUrl: LOGIN_URL, origins: ['https://other.app.example'] },
    });
    expect(config.headless.origins).toEqual([UI_ORIGIN, 'https://other.app.example']);
  });
});
