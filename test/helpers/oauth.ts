import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect } from 'vitest';
import type { GatehouseOptions } from '../../src/config/options.js';
import { baseOptions, CONFIDENTIAL_SECRET, MACHINE_SECRET, RESOURCE, USER } from './fixtures.js';
import { startServer, type TestServer } from './server.js';
import { UserAgent } from './user-agent.js';

/**
 * Shared protocol helpers for the conformance and attack suites: PKCE, authorization requests driven
 * through the real sign-in and consent pages, raw token/introspection/revocation calls, and a fake clock.
 * Endpoint URLs come from the server's resolved configuration (the same values its metadata publishes).
 */

/** The loopback redirect the tests use for `native-app` (registered as `http://127.0.0.1/callback`). */
export const NATIVE_REDIRECT = 'http://127.0.0.1:5555/callback';
export const WEB_REDIRECT = 'https://app.example/cb';
export const POST_REDIRECT = 'https://post.example/cb';

export type ServerOptions = Partial<GatehouseOptions> & { issuerPath?: string };

/** Starts one server for the enclosing describe block (beforeAll/afterAll) and returns a getter. */
export function useServer(options: ServerOptions | (() => ServerOptions) = baseOptions): () => TestServer {
  let srv: TestServer | undefined;
  beforeAll(async () => {
    srv = await startServer(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await srv?.close();
  });
  return () => {
    if (!srv) throw new Error('server not started');
    return srv;
  };
}

/** A controllable clock for `createGatehouse({ clock })`. Starts at the real time. */
export function fakeClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/**
 * A clock for servers whose tests count requests against a rate limit: real speed, but starting at a
 * window boundary. Rate limits count in fixed windows aligned to the epoch (hitRateLimit in
 * src/store/kysely/housekeeping.ts: windowStart = floor(at / windowMs) * windowMs), so a burst that
 * straddles a boundary sees its count restart half-way (a CI run failed that way at 07:00:00 UTC).
 * The clock starts at the next multiple of `windowMs`; `startWindow(size)` jumps again, by at most
 * `size`, to the next multiple of `size`, right before a burst. Every default window (a minute to an
 * hour) divides an hour, the default. The jump puts the server ahead of the real time by up to a
 * window: call it before the state a burst needs is created (CSRF, interactions and sessions may
 * expire across it), and pass a smaller window (one that divides every window the test exercises)
 * where something checks the server's times against the real clock (a JWT signed by a test IdP).
 */
export function windowClock(windowMs = 3_600_000) {
  let offset = 0;
  const now = () => Date.now() + offset;
  const startWindow = (size = windowMs) => {
    const t = now();
    offset += (Math.floor(t / size) + 1) * size - t;
  };
  startWindow();
  return { now, startWindow };
}

export function pkce(verifier = randomBytes(32).toString('base64url')): {
  verifier: string;
  challenge: string;
} {
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}

export function randomState(): string {
  return randomBytes(12).toString('base64url');
}

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export const MACHINE_AUTH = basic('machine', MACHINE_SECRET);
export const WEB_AUTH = basic('web-app', CONFIDENTIAL_SECRET);

type ParamValue = string | string[] | undefined;

/**
 * An authorization URL. Defaults: native-app, NATIVE_REDIRECT, response_type=code, both scopes, the
 * default resource, a random state and an S256 challenge. Pass `undefined` to drop a default; arrays repeat.
 */
export function authorizeUrl(
  srv: TestServer,
  overrides: Record<string, ParamValue> = {},
): { url: string; verifier: string; state: string } {
  const { verifier, challenge } = pkce();
  const state = randomState();
  const params: Record<string, ParamValue> = {
    response_type: 'code',
    client_id: 'native-app',
    redirect_uri: NATIVE_REDIRECT,
    scope: 'todos.read todos.write',
    resource: RESOURCE,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const url = new URL(srv.gh.config.endpoints.authorization);
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
      url.searchParams.append(key, v);
  }
  return { url: url.href, verifier, state: typeof params.state === 'string' ? params.state : state };
}

export interface AuthorizationResult {
  /** The final redirect back to the client. */
  location: URL;
  code: string | null;
  verifier: string;
  state: string;
  agent: UserAgent;
  pages: string[];
}

/**
 * Drives an authorization request through sign-in and consent with a (new or given) user agent and
 * returns the redirect back to the client. Fails the test when the server answered with a page instead.
 */
export async function authorize(
  srv: TestServer,
  overrides: Record<string, ParamValue> = {},
  options: { agent?: UserAgent; decision?: 'allow' | 'deny' } = {},
): Promise<AuthorizationResult> {
  const { url, verifier, state } = authorizeUrl(srv, overrides);
  const agent = options.agent ?? new UserAgent(srv.origin);
  const result = await agent.authorize(url, USER, options.decision);
  if (!result.location) {
    const body = await result.response.text();
    expect.fail(`expected a redirect to the client, got ${result.response.status}: ${body.slice(0, 400)}`);
  }
  const location = new URL(result.location);
  return { location, code: location.searchParams.get('code'), verifier, state, agent, pages: result.pages };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON members
  body: any;
}

/** POSTs a form to `url` (repeating array values) and parses a JSON answer. */
export async function postForm(
  url: string,
  form: Record<string, ParamValue> | URLSearchParams,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  let body: URLSearchParams;
  if (form instanceof URLSearchParams) body = form;
  else {
    body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) body.append(key, v);
    }
  }
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export function tokenRequest(
  srv: TestServer,
  form: Record<string, ParamValue>,
  headers: Record<string, string> = {},
) {
  return postForm(srv.gh.config.endpoints.token, form, headers);
}

/** Redeems a code for native-app (public) unless `extra`/`headers` say otherwise. */
export function redeem(
  srv: TestServer,
  result: Pick<AuthorizationResult, 'code' | 'verifier'>,
  extra: Record<string, ParamValue> = {},
  headers: Record<string, string> = {},
) {
  return tokenRequest(
    srv,
    {
      grant_type: 'authorization_code',
      code: result.code ?? undefined,
      code_verifier: result.verifier,
      client_id: 'native-app',
      redirect_uri: NATIVE_REDIRECT,
      ...extra,
    },
    headers,
  );
}

/** A full public-client flow: authorize, redeem; returns the token response body (expects 200). */
export async function obtainTokens(
  srv: TestServer,
  overrides: Record<string, ParamValue> = {},
  options: { agent?: UserAgent } = {},
) {
  const auth = await authorize(srv, overrides, options);
  expect(auth.code, `no code in ${auth.location.href}`).toBeTruthy();
  const redeemExtra: Record<string, ParamValue> = {};
  if (overrides.client_id !== undefined) redeemExtra.client_id = overrides.client_id;
  if ('redirect_uri' in overrides) redeemExtra.redirect_uri = overrides.redirect_uri;
  const response = await redeem(srv, auth, redeemExtra);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return {
    ...(response.body as {
      access_token: string;
      refresh_token?: string;
      scope?: string;
      expires_in: number;
    }),
    auth,
  };
}

export function refresh(srv: TestServer, refreshToken: string, extra: Record<string, ParamValue> = {}) {
  return tokenRequest(srv, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: 'native-app',
    ...extra,
  });
}

/** Introspects as `machine` (a confidential client allowed to introspect every resource). */
export function introspect(
  srv: TestServer,
  token: string,
  headers: Record<string, string> = { authorization: MACHINE_AUTH },
) {
  return postForm(srv.gh.config.endpoints.introspection, { token }, headers);
}

export async function isActive(srv: TestServer, token: string): Promise<boolean> {
  const response = await introspect(srv, token);
  expect(response.status).toBe(200);
  return response.body.active === true;
}

export function revoke(
  srv: TestServer,
  form: Record<string, ParamValue>,
  headers: Record<string, string> = {},
) {
  return postForm(srv.gh.config.endpoints.revocation, form, headers);
}

/** Header and payload of a compact JWS, unverified. */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')),
  };
}

/** A fetch that never follows redirects. */
/** A CORS preflight from a browser client on another origin. */
export function corsPreflight(url: string, method: string, requestHeaders?: string): Promise<Response> {
  const headers: Record<string, string> = {
    origin: 'https://client.test',
    'access-control-request-method': method,
  };
  if (requestHeaders) headers['access-control-request-headers'] = requestHeaders;
  return fetch(url, { method: 'OPTIONS', headers });
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers, redirect: 'manual' });
}

/**
 * A request through node:http, which (unlike fetch) sends a caller-chosen Host header: for spoofing tests.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Asserts an error shown as an HTML page: 4xx, no Location header, never a redirect. */
export async function expectErrorPage(response: Response, status = 400): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  return response.text();
}

/** Query parameters of a redirect location as a plain object. */
export function query(location: URL | string): Record<string, string> {
  return Object.fromEntries(new URL(location).searchParams);
}

/** Signs the user in with a fresh agent (no authorization request) and returns the agent. */
export async function signedInAgent(srv: TestServer): Promise<UserAgent> {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/login`);
  const response = await agent.submit(await page.text(), { email: USER.email, password: USER.password });
  expect(response.status).toBe(303);
  return agent;
}

export { baseOptions, CONFIDENTIAL_SECRET, MACHINE_SECRET, RESOURCE, USER };
