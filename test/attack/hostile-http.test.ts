import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * What a black-box sweep of the running server found that the fuzzers did not: answers that were
 * well-formed 4xx/2xx but wrong in what they said. Each test names the rule it holds.
 */

let srv: TestServer;
let admin: UserAgent;
beforeAll(async () => {
  srv = await startServer({ ...baseOptions(), users: [{ ...USER, admin: true }] });
  admin = new UserAgent(srv.origin);
  const login = await admin.request(`${srv.issuer}/login`);
  expect((await admin.submit(await login.text(), USER)).status).toBe(303);
});
afterAll(() => srv.close());

describe('a 405 names the methods the resource allows (RFC 9110 §15.5.6)', () => {
  it('the dashboard answers a form action fetched with GET or HEAD, and a page posted to, with 405 and Allow', async () => {
    const cases = [
      ['GET', '/admin/clients/action', 'POST'],
      ['HEAD', '/admin/users/action', 'POST'],
      ['POST', '/admin/clients', 'GET, HEAD'],
      ['POST', '/admin', 'GET, HEAD'],
    ] as const;
    for (const [method, path, allow] of cases) {
      const response = await admin.request(`${srv.issuer}${path}`, {
        method,
        headers: { origin: srv.origin, 'content-type': 'application/x-www-form-urlencoded' },
        ...(method === 'POST' ? { body: 'a=b' } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
  });
});

describe('a 405 names the methods of the resource asked for, not of its route group (RFC 9110 §15.5.6)', () => {
  it('methods outside a prefix group reach the handler that knows the path: its exact Allow, or 404', async () => {
    const cases = [
      ['PUT', '/admin/clients', 405, 'GET, HEAD'],
      ['DELETE', '/admin', 405, 'GET, HEAD'],
      ['OPTIONS', '/admin/clients/action', 405, 'POST'],
      ['PUT', '/admin/api/clients', 405, 'GET, POST, HEAD'],
      ['PATCH', '/admin/api/users', 405, 'GET, POST, HEAD'],
      ['PUT', '/admin/api/no-such-thing', 404, null],
      ['PUT', '/admin/no-such-page', 404, null],
      ['PUT', '/connections/no-such-connection/start', 404, null],
    ] as const;
    for (const [method, path, status, allow] of cases) {
      const response = await fetch(`${srv.issuer}${path}`, { method });
      await response.arrayBuffer();
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
  });

  it('exact routes list HEAD where GET is served and OPTIONS where CORS preflights are answered', async () => {
    const { endpoints } = srv.gh.config;
    const cases = [
      ['POST', endpoints.jwks, 'GET, HEAD, OPTIONS'],
      ['GET', endpoints.token, 'POST, OPTIONS'],
      ['PUT', `${srv.issuer}/login`, 'GET, POST, HEAD'],
    ] as const;
    for (const [method, url, allow] of cases) {
      const response = await fetch(url, { method });
      await response.arrayBuffer();
      expect(response.status, `${method} ${url}`).toBe(405);
      expect(response.headers.get('allow'), `${method} ${url}`).toBe(allow);
      // Every method the header names is answered with something other than 405.
      for (const named of allow.split(', ')) {
        const other = await fetch(url, { method: named });
        await other.arrayBuffer();
        expect(other.status, `${named} ${url}`).not.toBe(405);
      }
    }
  });
});

describe('a ?done= notice code selects one of the fixed sentences or nothing', () => {
  const inherited = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

  it('the dashboard shows no notice for a code naming an inherited property', async () => {
    for (const code of inherited) {
      const response = await admin.request(`${srv.issuer}/admin/clients?done=${code}`);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html, code).not.toContain('class="notice"');
      expect(html, code).not.toMatch(/native code|\[object Object\]/);
    }
    const known = await admin.request(`${srv.issuer}/admin/clients?done=enable`);
    expect(await known.text()).toContain('The client was enabled.');
  });

  it('the account page shows no notice for a code naming an inherited property', async () => {
    for (const code of inherited) {
      const response = await admin.request(`${srv.issuer}/account?done=${code}`);
      expect(response.status).toBe(200);
      expect(await response.text(), code).not.toMatch(/native code|\[object Object\]/);
    }
    const known = await admin.request(`${srv.issuer}/account?done=revoked`);
    expect(await known.text()).toContain('Access revoked.');
  });
});

/** Sends the head of a POST and part of its body, then closes the connection before the rest. */
function abandonUpload(origin: string, path: string, chunked: boolean): Promise<void> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.on('error', () => {});
    const framing = chunked
      ? 'transfer-encoding: chunked\r\n\r\n3\r\na=b\r\n'
      : 'content-length: 100\r\n\r\na=b';
    socket.write(
      `POST ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\norigin: ${origin}\r\n` +
        `content-type: application/x-www-form-urlencoded\r\n${framing}`,
    );
    setTimeout(() => {
      socket.destroy();
      setTimeout(resolve, 150);
    }, 150);
  });
}

describe('a client that closes the connection in the middle of its request body', () => {
  let logged: { level: number; msg: string }[];
  let own: TestServer;
  beforeAll(async () => {
    logged = [];
    own = await startServer({
      ...baseOptions(),
      dcr: { enabled: true },
      logger: { level: 'info', destination: { write: (line: string) => void logged.push(JSON.parse(line)) } },
    });
  });
  afterAll(() => own.close());

  it('is logged as a client that went away, never as a database outage or a server error', async () => {
    for (const path of ['/token', '/revoke', '/register', '/login', '/signup', '/admin/api/clients']) {
      for (const chunked of [false, true]) await abandonUpload(own.origin, path, chunked);
    }
    const alarms = logged.filter((line) => line.level >= 50);
    expect(alarms.map((line) => line.msg)).toEqual([]);
    expect(
      logged.some((line) => line.msg === 'client closed the connection before the request was read'),
    ).toBe(true);
    expect((await fetch(`${own.issuer}/health/ready`)).status).toBe(200);
  });
});

describe('an Authorization header naming Basic but not in its grammar (RFC 9110 §11.4: the scheme, one or more SP, the token68)', () => {
  // Before, `Basic<TAB>…` or a bare `Basic` was ignored as if absent, and the public client named in
  // the body was served beside it (a revocation answered 200, a refresh went on to the grant check).
  const credentials = Buffer.from('native-app:anything').toString('base64');
  const cases: [string, Record<string, string>][] = [
    ['/token', { grant_type: 'refresh_token', refresh_token: 'x'.repeat(40), client_id: 'native-app' }],
    ['/revoke', { token: 'x'.repeat(40), client_id: 'native-app' }],
    ['/introspect', { token: 'x'.repeat(40), client_id: 'native-app' }],
  ];
  for (const [path, body] of cases) {
    it(`${path}: is malformed Basic credentials, 401 invalid_client with a Basic challenge`, async () => {
      for (const authorization of [`Basic\t${credentials}`, 'Basic', `basic \t${credentials}`]) {
        const response = await fetch(`${srv.issuer}${path}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(body),
        });
        const what = `${path} ${JSON.stringify(authorization)}`;
        expect(response.status, what).toBe(401);
        expect(((await response.json()) as { error: string }).error, what).toBe('invalid_client');
        expect(response.headers.get('www-authenticate'), what).toMatch(/^Basic /);
      }
    });
  }
});
