import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentHost } from '../helpers/cimd.js';
import { register } from '../helpers/dcr.js';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { authorizeUrl, NATIVE_REDIRECT } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { decodeEntities, UserAgent } from '../helpers/user-agent.js';

/**
 * Open redirection through the authorization endpoint (issue 11, part 3). Anyone can register a DCR
 * client or publish a CIMD document naming any redirect URI, so a redirect to it before anyone has
 * signed in would make Gatehouse's domain an open redirector (RFC 9700 §4.11.2; OAuth 2.1 §7.12.2).
 * For those clients, no response to a visitor without a session may carry a Location off Gatehouse's
 * origin; errors are shown on Gatehouse's page or passed through sign-in. Preregistered clients keep
 * OIDC Core §3.1.2.6 (prompt=none redirects login_required).
 */

const EVIL_DCR = 'https://evil.example/dcr-cb';
const EVIL_CIMD = 'https://evil.example/cimd-cb';
const CIMD_ID = 'https://evil.example/client.json';

const documents = new DocumentHost();
let srv: TestServer;
let dcrId: string;

beforeAll(async () => {
  srv = await startServer({
    ...baseOptions(),
    dcr: { enabled: true },
    cimd: { enabled: true, fetch: documents.fetch },
  });
  documents.publish(CIMD_ID, { client_name: 'Evil Tool', redirect_uris: [EVIL_CIMD] });
  const registered = await register(srv.issuer, { redirect_uris: [EVIL_DCR], client_name: 'Evil App' });
  expect(registered.status).toBe(201);
  dcrId = String(registered.body.client_id);
});
afterAll(() => srv.close());

const lanes = () =>
  [
    ['DCR', dcrId, EVIL_DCR],
    ['CIMD', CIMD_ID, EVIL_CIMD],
  ] as const;

type Params = Record<string, string | string[] | undefined>;

/**
 * Follows a request as a browser without a session would, through every redirect on Gatehouse's own
 * origin, and fails if any Location points elsewhere. Returns the final (non-redirect) response.
 */
async function visitWithoutSession(url: string, agent = new UserAgent(srv.origin)) {
  let response = await agent.request(url);
  for (let hop = 0; hop < 5 && response.status >= 300 && response.status < 400; hop++) {
    const location = new URL(response.headers.get('location')!, srv.origin);
    expect(location.origin, `redirect from ${url} to ${location.href}`).toBe(srv.origin);
    response = await agent.request(location.href);
  }
  expect(response.status < 300 || response.status >= 400).toBe(true);
  return { response, html: await response.text() };
}

function lanePage(clientId: string, redirectUri: string, params: Params) {
  return authorizeUrl(srv, { client_id: clientId, redirect_uri: redirectUri, ...params });
}

describe('DCR and CIMD clients: nothing is redirected to the client before sign-in', () => {
  it.each([
    ['DCR', 'registered itself'],
    ['CIMD', 'identified by its web address (evil.example)'],
  ])(
    '%s with prompt=none and no session: login_required is shown on Gatehouse’s page, which says why',
    async (lane, why) => {
      const [, clientId, redirectUri] = lanes().find(([name]) => name === lane)!;
      const { url } = lanePage(clientId, redirectUri, { prompt: 'none' });
      const { response, html } = await visitWithoutSession(url);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(html).toContain('login_required');
      expect(decodeEntities(html)).toContain(why);
      expect(html).not.toContain(redirectUri);
    },
  );

  it.each([
    ['an unsupported response_type', { response_type: 'token' }],
    ['prompt=none combined with login', { prompt: 'none login' }],
    ['an unsupported prompt value', { prompt: 'select_account' }],
    ['an unknown scope', { scope: 'root' }],
    ['an unknown resource', { resource: 'https://elsewhere.example/api' }],
    ['no PKCE challenge', { code_challenge: undefined, code_challenge_method: undefined }],
    ['a plain PKCE method', { code_challenge_method: 'plain' }],
    ['a repeated state', { state: ['a', 'b'] }],
    ['a repeated parameter', { scope: ['todos.read', 'todos.write'] }],
    ['unsupported request objects and response modes', { request: 'e30.e30.', response_mode: 'fragment' }],
  ])('with prompt=none and %s, no response points off Gatehouse', async (_label, extra) => {
    for (const [lane, clientId, redirectUri] of lanes()) {
      const { url } = lanePage(clientId, redirectUri, { prompt: 'none', ...extra });
      const { html } = await visitWithoutSession(url);
      expect(html, lane).not.toContain(`action="${redirectUri}`);
    }
  });

  it('an unknown, expired or forged interaction at /authorize/resume is a page, not a redirect', async () => {
    for (const interaction of ['', 'x', 'forged.value.here']) {
      const { response } = await visitWithoutSession(
        `${srv.issuer}/authorize/resume?interaction=${encodeURIComponent(interaction)}`,
      );
      expect(response.status).toBe(400);
    }
  });

  it('a consent decision without a session is refused on a page, not redirected as access_denied', async () => {
    const response = await fetch(`${srv.issuer}/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: srv.origin },
      body: new URLSearchParams({ decision: 'deny', interaction: 'x', csrf: 'x' }),
      redirect: 'manual',
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('logout never redirects to a URI a self-registered client supplied', async () => {
    const registered = await register(srv.issuer, {
      redirect_uris: ['https://evil.example/other-cb'],
      post_logout_redirect_uris: ['https://evil.example/bye'],
    });
    const url = new URL(`${srv.issuer}/logout`);
    url.search = new URLSearchParams({
      client_id: String(registered.body.client_id),
      post_logout_redirect_uri: 'https://evil.example/bye',
    }).toString();
    const { response } = await visitWithoutSession(url.href);
    expect(response.status).toBe(200);
  });
});

describe('after sign-in, and for preregistered clients, the standard behaviour stays', () => {
  it('a preregistered client with prompt=none and no session gets login_required at its redirect URI with state and iss', async () => {
    const { url, state } = authorizeUrl(srv, { prompt: 'none' });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(NATIVE_REDIRECT);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'login_required',
      error_description: 'the user is not signed in',
      state,
      iss: srv.issuer,
    });
  });

  it.each(['DCR', 'CIMD'])(
    'the %s page’s sign-in link signs the user in and then redirects login_required with state and iss',
    async (lane) => {
      const [, clientId, redirectUri] = lanes().find(([name]) => name === lane)!;
      const { url, state } = lanePage(clientId, redirectUri, { prompt: 'none' });
      const agent = new UserAgent(srv.origin);
      const { html } = await visitWithoutSession(url, agent);
      const link = /<a href="([^"]*\/login\?interaction=[^"]+)">/.exec(html);
      expect(link, 'a sign-in link on Gatehouse').not.toBeNull();
      const result = await agent.authorize(new URL(decodeEntities(link![1]!), srv.origin).href, USER);
      const location = new URL(result.location!);
      expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
      expect(location.searchParams.get('error')).toBe('login_required');
      expect(location.searchParams.get('state')).toBe(state);
      expect(location.searchParams.get('iss')).toBe(srv.issuer);
    },
  );

  it('a signed-in user with prompt=none for a DCR client gets the standard consent_required redirect', async () => {
    const agent = new UserAgent(srv.origin);
    const login = await agent.request(`${srv.issuer}/login`);
    expect((await agent.submit(await login.text(), USER)).status).toBe(303);
    const { url, state } = lanePage(dcrId, EVIL_DCR, { prompt: 'none' });
    const response = await agent.request(url);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(EVIL_DCR);
    expect(location.searchParams.get('error')).toBe('consent_required');
    expect(location.searchParams.get('state')).toBe(state);
  });

  it('a signed-in user who approved a CIMD client before gets a code with prompt=none', async () => {
    const agent = new UserAgent(srv.origin);
    const first = lanePage(CIMD_ID, EVIL_CIMD, {});
    const approved = await agent.authorize(first.url, USER);
    expect(new URL(approved.location!).searchParams.get('code')).toBeTruthy();
    const silent = lanePage(CIMD_ID, EVIL_CIMD, { prompt: 'none' });
    const response = await agent.request(silent.url);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('code')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe(silent.state);
  });

  it('a validation error is redirected to a DCR client once the user has signed in, and the client is checked again first', async () => {
    const { url, state } = lanePage(dcrId, EVIL_DCR, { response_type: 'token' });
    const agent = new UserAgent(srv.origin);
    const result = await agent.authorize(url, USER);
    const location = new URL(result.location!);
    expect(`${location.origin}${location.pathname}`).toBe(EVIL_DCR);
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe(state);
    // The same error, pending while the user signs in, is not redirected once the client is disabled.
    const pending = lanePage(dcrId, EVIL_DCR, { response_type: 'token' });
    const fresh = new UserAgent(srv.origin);
    const toLogin = await fresh.request(pending.url);
    const loginUrl = new URL(toLogin.headers.get('location')!, srv.origin);
    expect(loginUrl.origin).toBe(srv.origin);
    await srv.gh.store.updateClient(dcrId, { disabledAt: Date.now(), disabledReason: 'test' });
    try {
      const outcome = await fresh.authorize(loginUrl.href, USER);
      expect(outcome.location).toBeUndefined();
      expect(outcome.response.status).toBeGreaterThanOrEqual(400);
    } finally {
      await srv.gh.store.updateClient(dcrId, { disabledAt: null, disabledReason: null });
    }
  });
});
