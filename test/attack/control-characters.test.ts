/**
 * Issue 15: a control character (C0, DEL, C1; U+0000 above all, which PostgreSQL text cannot hold) is
 * refused where the request is parsed, with a 400 and the exact error, on every route of src/paths.ts,
 * every admin API route and every dashboard page: in a query value or name, a form field, a JSON member
 * name or value at any depth, a path segment, Basic credentials (401 invalid_client, RFC 6749 §5.2).
 * Never a 500, nothing logged at error level, and the server keeps working. Run on SQLite and, with
 * GATEHOUSE_TEST_DATABASE=postgres, on PostgreSQL.
 *
 * The routes come from the router's own table (buildRoutes) and the admin route lists, so a new route
 * is covered by the first two suites without a line here; the field table below adds fields.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listAdminApiRoutes } from '../../src/admin/api.js';
import { listDashboardRoutes } from '../../src/admin/dashboard.js';
import { codePoint } from '../../src/http/characters.js';
import { PATHS } from '../../src/paths.js';
import { buildRoutes, prefixRoute } from '../../src/router.js';
import { ADMIN, type AdminServer, dashboardCsrf, signIn, startAdminServer } from '../e2e/admin/support.js';
import { DocumentHost } from '../helpers/cimd.js';
import { adminToken } from '../helpers/dcr.js';
import { baseOptions, CONFIDENTIAL_SECRET, MACHINE_SECRET, RESOURCE } from '../helpers/fixtures.js';
import { windowClock } from '../helpers/oauth.js';
import { startServer } from '../helpers/server.js';
import { decodeEntities, UserAgent } from '../helpers/user-agent.js';
import { type Caller, CONTROLS, FIELD_TARGETS, type FieldTarget, place } from './control-characters-table.js';

const CIMD_ID = 'https://tool.example.com/client.json';
const host = new DocumentHost();
const errors: string[] = [];
let srv: AdminServer;
let token: string;
let adminAgent: UserAgent;
let adminCsrf: string;
let preSession: { agent: UserAgent; csrf: string };

beforeAll(async () => {
  host.publish(CIMD_ID);
  srv = await startAdminServer(() => ({
    cimd: { enabled: true, fetch: host.fetch },
    maxCredentialFailuresPerMinute: 1_000_000,
    logger: { level: 'error', destination: { write: (line: string) => void errors.push(line) } },
  }));
  token = await adminToken(srv.issuer);
  adminAgent = (await signIn(srv.origin, srv.issuer, ADMIN)).agent;
  adminCsrf = await dashboardCsrf(adminAgent, srv.issuer);
  const agent = new UserAgent(srv.origin);
  const page = await (await agent.request(`${srv.issuer}/login`)).text();
  preSession = { agent, csrf: decodeEntities(/name="csrf" value="([^"]+)"/.exec(page)![1]!) };
});
afterAll(() => srv.close());
afterEach(() => {
  expect(errors, 'nothing is logged at error level').toEqual([]);
});

interface Answer {
  status: number;
  type: string;
  text: string;
  headers: Headers;
}

async function answer(response: Response): Promise<Answer> {
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: decodeEntities(await response.text()),
    headers: response.headers,
  };
}

/** A 400 refusal of a control character: OAuth JSON with `code` on an API route, an HTML page on a page. */
function expectRefused(a: Answer, kind: 'api' | 'page', c: string, where: string, code = 'invalid_request') {
  const context = `${where}: ${a.status} ${a.text.slice(0, 300)}`;
  expect(a.status, context).toBe(400);
  if (kind === 'api') {
    expect(a.type, context).toContain('application/json');
    if (a.text) expect(JSON.parse(a.text).error, context).toBe(code);
  } else {
    expect(a.type, context).toContain('text/html');
  }
  if (a.text) expect(a.text, context).toContain(`control character (${codePoint(c)})`);
}

/** Every route: the router's table, every admin API route (parameters filled in), every dashboard page. */
function everyRoute(): { path: string; method: string; kind: 'api' | 'page' }[] {
  const out: { path: string; method: string; kind: 'api' | 'page' }[] = [];
  for (const [path, route] of buildRoutes(srv.gh.context))
    for (const method of Object.keys(route.methods)) out.push({ path, method, kind: route.kind });
  const p = srv.gh.config.issuerPath;
  for (const { method, path } of listAdminApiRoutes())
    out.push({ path: `${p}/admin/api/${path.replace(/:[a-z_]+/gi, 'web-app')}`, method, kind: 'api' });
  for (const { method, path } of listDashboardRoutes())
    out.push({ path: `${p}/admin${path}`, method, kind: 'page' });
  return out;
}

describe('every route refuses a control character in the query string', () => {
  it('in a parameter value or a parameter name, whatever the method: 400 before any handler runs', async () => {
    const routes = everyRoute();
    expect(routes.length).toBeGreaterThan(40);
    // One route at a time, its characters side by side: the route table keeps growing (issue 16 alone
    // added a dozen), and one request after another took 20 s or more on a loaded machine.
    for (const { path, method, kind } of routes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : '';
      const urls = CONTROLS.flatMap((c) => [
        [c, `${srv.origin}${path}?state=${encodeURIComponent(`a${c}b`)}`] as const,
        [c, `${srv.origin}${path}?${encodeURIComponent(`x${c}`)}=1`] as const,
      ]);
      const answers = await Promise.all(
        urls.map(async ([, url]) => answer(await fetch(url, { method, body, redirect: 'manual' }))),
      );
      for (const [i, a] of answers.entries()) expectRefused(a, kind, urls[i]![0], `${method} ${urls[i]![1]}`);
    }
  }, 120_000);
});

describe('every path of src/paths.ts', () => {
  it('is refused with 400 where a route owns it (prefix routes too), else 404 or 405: never anything else', async () => {
    const routes = buildRoutes(srv.gh.context);
    for (const relative of Object.values(PATHS)) {
      const path = `${srv.gh.config.issuerPath}${relative}${relative.endsWith('/') ? 'x' : ''}`;
      const route = routes.get(path) ?? prefixRoute(srv.gh.context, path);
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${srv.origin}${path}?state=a%00b`, { method, redirect: 'manual' });
        const a = await answer(response);
        if (route?.methods[method]) expectRefused(a, route.kind, '\u0000', `${method} ${path}`);
        else expect([404, 405], `${method} ${path}: ${a.status}`).toContain(a.status);
      }
    }
  });
});

describe('path segments', () => {
  it('an admin API path segment that decodes to a control character is 400 invalid_request (with or without a token)', async () => {
    for (const { method, path } of listAdminApiRoutes().filter((r) => r.path.includes(':'))) {
      for (const c of CONTROLS) {
        const url = `${srv.issuer}/admin/api/${path.replace(/:[a-z_]+/gi, encodeURIComponent(`web${c}app`))}`;
        for (const authorization of [`Bearer ${token}`, undefined]) {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (authorization) headers.authorization = authorization;
          const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
          const response = await fetch(url, { method, headers, body });
          expectRefused(await answer(response), 'api', c, `${method} ${url}`);
        }
      }
    }
    // A CIMD client_id addressed by its encoded URL, with an encoded NUL inside it.
    const url = `${srv.issuer}/admin/api/clients/${encodeURIComponent('https://tool.example.com/\u0000')}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expectRefused(await answer(response), 'api', '\u0000', url);
  });

  it('a dashboard path segment that decodes to one is a 400 page; a path outside every route stays 404', async () => {
    for (const { method, path } of listDashboardRoutes()) {
      const url = `${srv.issuer}/admin${path.replace(/\/?$/, '/%00')}`;
      const response = await adminAgent.request(url, { method, body: method === 'POST' ? '' : undefined });
      expectRefused(await answer(response), 'page', '\u0000', `${method} ${url}`);
    }
    for (const path of buildRoutes(srv.gh.context).keys()) {
      const response = await fetch(`${srv.origin}${path}%00`, { redirect: 'manual' });
      expect(response.status, path).toBe(404);
    }
  });
});

async function send(target: FieldTarget, field: string, value: string): Promise<Answer> {
  const headers: Record<string, string> = { origin: srv.origin };
  const agents: Record<Caller, UserAgent | undefined> = {
    anonymous: undefined,
    'pre-session': preSession.agent,
    'admin-session': adminAgent,
    'admin-token': undefined,
  };
  const fields: Record<string, unknown> = structuredClone(target.base ?? {});
  if (target.caller === 'pre-session') fields.csrf = preSession.csrf;
  if (target.caller === 'admin-session') fields.csrf = adminCsrf;
  if (target.caller === 'admin-token') headers.authorization = `Bearer ${token}`;
  if (field.startsWith('basic:')) {
    const id = field === 'basic:id' ? value : String(fields.client_id);
    const secret = field === 'basic:secret' ? value : CONFIDENTIAL_SECRET;
    const encode = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
    headers.authorization = `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
    delete fields.client_id;
  } else {
    place(fields, field, value);
  }
  let url = `${srv.issuer}${target.path}`;
  let body: string | undefined;
  const form = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)]));
  if (target.encoding === 'query') url += `?${form}`;
  else if (target.encoding === 'form') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = form.toString();
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(fields);
  }
  const agent = agents[target.caller];
  const init = { method: target.method, headers, body, redirect: 'manual' as const };
  return answer(agent ? await agent.request(url, init) : await fetch(url, init));
}

describe('every field of every endpoint', () => {
  for (const target of FIELD_TARGETS) {
    it(`${target.method} ${target.path}${target.note ? ` (${target.note})` : ''}: a control character in any field is refused with the exact error`, async () => {
      for (const field of target.fields) {
        for (const c of CONTROLS) {
          const a = await send(target, field, `a${c}b`);
          const where = `${field} with ${codePoint(c)}`;
          const allowed = target.allows?.[field.replace(/^@/, '')];
          if (allowed?.includes(c)) {
            // Legitimate there (a password's tab, a text area's line break): not refused for it.
            expect(a.status, `${where}: ${a.text.slice(0, 200)}`).toBeLessThan(500);
            expect(a.text, where).not.toContain('control character');
          } else if (field.startsWith('basic:')) {
            // RFC 6749 §5.2: authentication through the Authorization header failed: 401 + challenge.
            expect([a.status, JSON.parse(a.text).error], where).toEqual([401, 'invalid_client']);
            expect(a.headers.get('www-authenticate'), where).toMatch(/^Basic /);
          } else {
            expectRefused(a, target.kind, c, where, target.codeFor?.(field) ?? 'invalid_request');
          }
        }
      }
    });
  }
});

describe('where a control character is legitimate, it works end to end', () => {
  it('a password with a tab signs up and signs in; one with NUL is refused at sign-up', async () => {
    const agent = new UserAgent(srv.origin);
    const signup = async (password: string) =>
      agent.submit(await (await agent.request(`${srv.issuer}/signup`)).text(), {
        email: 'tab@example.com',
        password,
      });
    expect((await signup('tab\tin my password')).status).toBe(303);
    const other = new UserAgent(srv.origin);
    const login = await other.submit(await (await other.request(`${srv.issuer}/login`)).text(), {
      email: 'tab@example.com',
      password: 'tab\tin my password',
    });
    expect(login.status).toBe(303);
    expectRefused(await answer(await signup('nul\u0000in my password')), 'page', '\u0000', 'NUL password');
  });

  it('the dashboard text area takes one redirect URI per line (CR LF, LF), and refuses any other control', async () => {
    const create = (uris: string) =>
      adminAgent.request(`${srv.issuer}/admin/clients/new`, {
        method: 'POST',
        headers: { origin: srv.origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          csrf: adminCsrf,
          kind: 'public',
          client_name: 'Lines',
          redirect_uris: uris,
        }),
      });
    const created = await answer(await create('https://lines.example/a\r\nhttps://lines.example/b\n'));
    expect([created.status, created.text.includes('Client created')], created.text.slice(0, 300)).toEqual([
      200,
      true,
    ]);
    expectRefused(await answer(await create('https://lines.example/a\u001b')), 'page', '\u001b', 'ESC');
  });
});

describe('CIMD client_id URLs', () => {
  it('a client_id URL holding a control character, raw or percent-encoded, is refused and never fetched', async () => {
    for (const c of CONTROLS) {
      for (const id of [
        `https://tool.example.com/client${c}.json`,
        `https://tool.example.com/client${encodeURIComponent(c)}.json`,
      ]) {
        const query = new URLSearchParams({
          client_id: id,
          response_type: 'code',
          redirect_uri: 'http://127.0.0.1/callback',
        });
        const response = await fetch(`${srv.issuer}/authorize?${query}`, { redirect: 'manual' });
        const where = `${JSON.stringify(id)}: ${response.status}`;
        expect(response.status, where).toBe(400);
        expect(response.headers.get('content-type'), where).toContain('text/html');
        await response.arrayBuffer();
      }
    }
    expect(host.requests.filter((r) => r.url !== CIMD_ID)).toEqual([]);
  });
});

describe('refusals count like any other malformed request', () => {
  it("on the anonymous routes, against the network's refusal budget (then 429); at the token endpoint, Basic ones as credential failures (then 429)", async () => {
    const small = await startServer({
      ...baseOptions(),
      rejectionThrottle: { maxRejections: 3 },
      maxCredentialFailuresPerMinute: 3,
      clock: windowClock().now,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const refused = await fetch(`${small.issuer}/authorize?client_id=native-app&state=%00`, {
          redirect: 'manual',
        });
        expect(refused.status).toBe(400);
      }
      const clean = await fetch(`${small.issuer}/authorize?client_id=native-app`, { redirect: 'manual' });
      expect(clean.status).toBe(429);
      const token = (secret: string) =>
        fetch(`${small.issuer}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`machine:${secret}`).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }),
        });
      for (let i = 0; i < 3; i++) expect((await token('a%00b')).status).toBe(401);
      expect((await token(MACHINE_SECRET)).status).toBe(429);
    } finally {
      await small.close();
    }
  });
});

describe('afterwards', () => {
  it('the server still serves metadata, issues tokens and answers the admin API', async () => {
    const meta = await fetch(`${srv.origin}/.well-known/oauth-authorization-server`);
    expect(meta.status).toBe(200);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      resource: RESOURCE,
      scope: 'todos.read',
    });
    const tokenResponse = await fetch(`${srv.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`,
      },
      body: form,
    });
    expect(tokenResponse.status).toBe(200);
    const clients = await fetch(`${srv.issuer}/admin/api/clients`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(clients.status).toBe(200);
  });
});
