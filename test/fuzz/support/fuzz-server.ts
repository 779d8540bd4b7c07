import { listAdminApiRoutes } from '../../../src/admin/api.js';
import { listDashboardRoutes } from '../../../src/admin/dashboard.js';
import { buildRoutes } from '../../../src/router.js';
import { DocumentHost } from '../../helpers/cimd.js';
import { ADMIN_SECRET, adminToken, dcrOptions, register } from '../../helpers/dcr.js';
import { CONFIDENTIAL_SECRET, MACHINE_SECRET, RESOURCE, USER } from '../../helpers/fixtures.js';
import { basic, NATIVE_REDIRECT, pkce } from '../../helpers/oauth.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { decodeEntities, UserAgent } from '../../helpers/user-agent.js';
import { machineToken, userTokens } from '../../resource/setup.js';
import type { RouteKind } from './expectations.js';
import type { Endpoint, Pool } from './requests.js';
import type { Template } from './templates.js';

/**
 * The server the HTTP fuzz suite attacks: every lane on (preregistered, DCR, CIMD through an in-memory
 * document host), a resource, clients of every kind, a user, an administrator with a session and an
 * automation token, and the values a real client would hold (tokens, cookies, CSRF tokens, sealed
 * interaction state), so that random requests reach past the first check of every handler.
 */

export const ADMIN = { email: 'root@example.com', password: 'admin password 123' };
export const CIMD_ID = 'https://tool.example.com/client.json';

export interface FuzzServer {
  srv: TestServer;
  endpoints: Endpoint[];
  kindOf(pathname: string): RouteKind;
  pool: Pool;
  redirectPrefixes: string[];
  /** Error-level log lines written by the server. */
  errors: string[];
}

async function signIn(srv: TestServer, who: { email: string; password: string }) {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/login?return_to=${encodeURIComponent('/admin')}`);
  const response = await agent.submit(await page.text(), who);
  if (response.status !== 303) throw new Error(`sign-in failed: ${response.status}`);
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const keys = await (await agent.request(`${srv.issuer}/admin/keys`)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(keys)?.[1];
  return { cookie, csrf: csrf ? decodeEntities(csrf) : undefined };
}

/** A consent page for a signed-in user: its CSRF field and sealed interaction. */
async function pendingConsent(srv: TestServer, cookie: string) {
  const url = new URL(`${srv.issuer}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'native-app',
    redirect_uri: NATIVE_REDIRECT,
    resource: RESOURCE,
    scope: 'todos.read todos.write',
    state: 's',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  }).toString();
  const page = await (await fetch(url, { headers: { cookie }, redirect: 'manual' })).text();
  const field = (name: string) =>
    decodeEntities(new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '');
  return { interaction: field('interaction'), csrf: field('csrf') };
}

/** A pending sign-in: the login page's sealed interaction, its CSRF field and cookie. */
async function pendingInteraction(srv: TestServer) {
  const agent = new UserAgent(srv.origin);
  const url = new URL(`${srv.issuer}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'native-app',
    redirect_uri: NATIVE_REDIRECT,
    resource: RESOURCE,
    scope: 'todos.read',
    state: 's',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  }).toString();
  const first = await agent.request(url.href);
  const login = await agent.request(first.headers.get('location') ?? `${srv.issuer}/login`);
  const page = await login.text();
  const field = (name: string) =>
    decodeEntities(new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '');
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return { interaction: field('interaction'), csrf: field('csrf'), cookie };
}

export async function startFuzzServer(): Promise<FuzzServer> {
  const errors: string[] = [];
  const host = new DocumentHost();
  host.publish(CIMD_ID, { logo_uri: 'https://tool.example.com/logo.png' });
  const srv = await startServer((origin) => ({
    ...dcrOptions({ maxRegistrationsPerWindow: 100_000, maxRegistrationsGlobal: 400_000 }, origin),
    cimd: { enabled: true, fetch: host.fetch },
    users: [USER, { ...ADMIN, admin: true }],
    maxCredentialFailuresPerMinute: 1_000_000,
    mailer: async () => {},
    logger: { level: 'error', destination: { write: (line: string) => void errors.push(line) } },
  }));
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${srv.issuer}/admin/api/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  const admin = await adminToken(srv.issuer);
  const victim = await api('POST', 'users', admin, {
    email: 'victim@example.com',
    password: 'victim pw 1234',
  });
  const victimId = String((victim.user as { id: string }).id);
  const dcr = await register(srv.issuer, {
    client_name: 'Fuzz DCR',
    redirect_uris: ['http://127.0.0.1/callback'],
  });
  const dcrId = String(dcr.body.client_id);
  // Resolving the CIMD client once stores it, so admin routes and the logo endpoint find it.
  await fetch(`${srv.issuer}/authorize?client_id=${encodeURIComponent(CIMD_ID)}&response_type=code`);
  const machine = await machineToken(srv);
  const user = await userTokens(srv, 'todos.read');
  const adminSession = await signIn(srv, ADMIN);
  const userSession = await signIn(srv, USER);
  const pending = await pendingInteraction(srv);
  const consent = { ...(await pendingConsent(srv, userSession.cookie)), cookie: userSession.cookie };

  const routes = buildRoutes(srv.gh.context);
  const endpoints: Endpoint[] = [];
  for (const [path, route] of routes) {
    const methods = Object.keys(route.methods);
    if (route.methods.GET) methods.push('HEAD');
    if (route.cors) methods.push('OPTIONS');
    endpoints.push({ path, methods });
  }
  const adminPaths = new Map<string, Set<string>>();
  const add = (path: string, method: string) =>
    adminPaths.set(path, (adminPaths.get(path) ?? new Set()).add(method));
  for (const { method, path } of listAdminApiRoutes())
    add(`${srv.gh.config.issuerPath}/admin/api/${path}`, method);
  for (const { method, path } of listDashboardRoutes())
    add(`${srv.gh.config.issuerPath}/admin${path}`, method);
  for (const [path, methods] of adminPaths) {
    endpoints.push({ path, methods: [...methods, ...(methods.has('GET') ? ['HEAD'] : [])] });
  }

  const adminPrefix = `${srv.gh.config.issuerPath}/admin`;
  const kindOf = (pathname: string): RouteKind => {
    const route = routes.get(pathname);
    if (route) return route.kind;
    if (pathname.startsWith(`${adminPrefix}/api/`)) return 'api';
    if (pathname === adminPrefix || pathname.startsWith(`${adminPrefix}/`)) return 'page';
    // Under the Express adapter, Gatehouse passes unknown paths on to the application.
    return process.env['GATEHOUSE_TEST_ADAPTER'] === 'express' ? 'host' : 'none';
  };

  const pool: Pool = {
    params: {
      client_id: [
        'native-app',
        'web-app',
        'post-app',
        'machine',
        dcrId,
        CIMD_ID,
        'https://tool.example.com/x',
      ],
      client_secret: [CONFIDENTIAL_SECRET, MACHINE_SECRET, ADMIN_SECRET],
      redirect_uri: [
        NATIVE_REDIRECT,
        'http://127.0.0.1/callback',
        'https://app.example/cb',
        'https://tool.example.com/cb',
      ],
      response_type: ['code', 'token', 'code id_token'],
      scope: ['todos.read', 'todos.write', 'openid', 'gatehouse.admin', 'todos.read todos.write'],
      resource: [RESOURCE, 'https://other.test/api', `${srv.issuer}/admin`],
      code_challenge: [pkce().challenge],
      code_challenge_method: ['S256', 'plain'],
      code_verifier: [pkce().verifier],
      grant_type: ['authorization_code', 'refresh_token', 'client_credentials', 'password', 'implicit'],
      refresh_token: [user.refresh_token],
      token: [user.refresh_token, user.access_token, machine, admin],
      token_type_hint: ['access_token', 'refresh_token'],
      prompt: ['none', 'login', 'consent', 'select_account'],
      interaction: [pending.interaction],
      csrf: [pending.csrf, adminSession.csrf ?? ''],
      email: [USER.email, ADMIN.email, 'new@example.com'],
      password: [USER.password, 'wrong password'],
      return_to: ['/admin', `${srv.gh.config.issuerPath}/admin/users`, 'https://evil.example/'],
      decision: ['allow', 'deny'],
      op: ['disable', 'enable', 'revoke-sessions', 'delete', 'edit', 'rotate'],
      user_id: [victimId],
      source: ['preregistered', 'cimd', 'dcr'],
      limit: ['1', '500', '0'],
    },
    authorization: [
      `Bearer ${admin}`,
      `Bearer ${machine}`,
      `Bearer ${user.access_token}`,
      basic('web-app', CONFIDENTIAL_SECRET),
      basic('machine', MACHINE_SECRET),
      basic('ops-bot', ADMIN_SECRET),
      basic('native-app', ''),
    ],
    admin: { authorization: `Bearer ${admin}`, cookie: adminSession.cookie },
    cookies: [adminSession.cookie, userSession.cookie, pending.cookie],
    csrfHeaders: [adminSession.csrf ?? ''],
    origins: [srv.origin, 'null', 'https://evil.example'],
    templates: templates({ srv, admin, machine, user, adminSession, pending, consent, dcrId }),
    ids: [dcrId, encodeURIComponent(CIMD_ID), 'web-app', 'no-such-client', victimId, 'usr_nope', '%E0%A4%A'],
  };
  const redirectPrefixes = [
    'http://127.0.0.1/callback',
    'http://127.0.0.1/signed-out',
    'https://app.example/cb',
    'https://app.example/cb?x=1',
    'https://post.example/cb',
    'https://tool.example.com/cb',
  ];
  return { srv, endpoints, kindOf, pool, redirectPrefixes, errors };
}

/** Valid requests to every kind of endpoint, for templates.ts to change one thing in. */
function templates(v: {
  srv: TestServer;
  admin: string;
  machine: string;
  user: { access_token: string; refresh_token: string };
  adminSession: { cookie: string; csrf?: string };
  pending: { interaction: string; csrf: string; cookie: string };
  consent: { interaction: string; csrf: string; cookie: string };
  dcrId: string;
}): Template[] {
  const p = v.srv.gh.config.issuerPath;
  const machineAuth: [string, string] = ['authorization', basic('machine', MACHINE_SECRET)];
  const adminAuth: [string, string] = ['authorization', `Bearer ${v.admin}`];
  const { challenge } = pkce();
  const sameOrigin: [string, string] = ['origin', v.srv.origin];
  return [
    {
      method: 'POST',
      path: `${p}/consent`,
      params: [
        ['csrf', v.consent.csrf],
        ['interaction', v.consent.interaction],
        ['decision', 'allow'],
      ],
      headers: [['cookie', v.consent.cookie], sameOrigin],
    },
    {
      method: 'POST',
      path: `${p}/admin/clients/new`,
      params: [
        ['csrf', v.adminSession.csrf ?? ''],
        ['kind', 'public'],
        ['client_name', 'Fuzz'],
        ['redirect_uris', 'https://app.example/fuzz'],
        ['scope', 'todos.read'],
      ],
      headers: [['cookie', v.adminSession.cookie], sameOrigin],
    },
    {
      method: 'POST',
      path: `${p}/reset-password`,
      params: [
        ['csrf', v.pending.csrf],
        ['token', 'ghp_AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
        ['password', 'a new password 123'],
      ],
      headers: [['cookie', v.pending.cookie], sameOrigin],
    },
    {
      method: 'POST',
      path: `${p}/token`,
      params: [
        ['grant_type', 'client_credentials'],
        ['resource', RESOURCE],
        ['scope', 'todos.read'],
      ],
      headers: [machineAuth],
    },
    {
      method: 'POST',
      path: `${p}/token`,
      params: [
        ['grant_type', 'refresh_token'],
        ['refresh_token', v.user.refresh_token],
        ['client_id', 'native-app'],
      ],
      headers: [],
    },
    {
      method: 'POST',
      path: `${p}/token`,
      params: [
        ['grant_type', 'authorization_code'],
        ['code', 'ghc_AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
        ['code_verifier', pkce().verifier],
        ['redirect_uri', NATIVE_REDIRECT],
        ['client_id', 'native-app'],
      ],
      headers: [],
    },
    {
      method: 'POST',
      path: `${p}/introspect`,
      params: [['token', v.user.access_token]],
      headers: [machineAuth],
    },
    {
      method: 'POST',
      path: `${p}/introspect`,
      params: [
        ['token', v.machine],
        ['token_type_hint', 'access_token'],
      ],
      headers: [machineAuth],
    },
    {
      method: 'POST',
      path: `${p}/revoke`,
      params: [
        ['token', v.user.refresh_token],
        ['client_id', 'native-app'],
        ['token_type_hint', 'refresh_token'],
      ],
      headers: [],
    },
    {
      method: 'POST',
      path: `${p}/register`,
      params: [
        ['client_name', 'Fuzz'],
        ['scope', 'todos.read'],
        ['application_type', 'native'],
      ],
      headers: [],
      json: true,
      base: {
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
      },
    },
    {
      method: 'GET',
      path: `${p}/authorize`,
      params: [
        ['response_type', 'code'],
        ['client_id', 'native-app'],
        ['redirect_uri', NATIVE_REDIRECT],
        ['scope', 'todos.read'],
        ['resource', RESOURCE],
        ['state', 'st'],
        ['code_challenge', challenge],
        ['code_challenge_method', 'S256'],
      ],
      headers: [['cookie', v.adminSession.cookie]],
    },
    {
      method: 'POST',
      path: `${p}/login`,
      params: [
        ['interaction', v.pending.interaction],
        ['csrf', v.pending.csrf],
        ['email', 'ada@example.com'],
        ['password', 'wrong password'],
      ],
      headers: [
        ['cookie', v.pending.cookie],
        ['origin', v.srv.origin],
      ],
    },
    {
      method: 'GET',
      path: `${p}/admin/api/audit`,
      params: [
        ['since', '2026-01-01'],
        ['until', '2030-01-01T00:00'],
        ['type', 'dcr.registered'],
        ['limit', '5'],
        ['before', '100'],
      ],
      headers: [adminAuth],
    },
    {
      method: 'GET',
      path: `${p}/admin/api/clients`,
      params: [
        ['source', 'dcr'],
        ['status', 'active'],
        ['q', 'fuzz'],
        ['after', v.dcrId],
        ['limit', '10'],
      ],
      headers: [adminAuth],
    },
    {
      method: 'POST',
      path: `${p}/admin/api/clients`,
      params: [
        ['client_name', 'Fuzz'],
        ['token_endpoint_auth_method', 'none'],
        ['scope', 'todos.read'],
      ],
      headers: [adminAuth],
      json: true,
      base: { redirect_uris: ['https://app.example/fuzz'] },
    },
    {
      method: 'GET',
      path: `${p}/admin/users`,
      params: [
        ['q', 'ada'],
        ['done', 'edit'],
      ],
      headers: [['cookie', v.adminSession.cookie]],
    },
  ];
}
