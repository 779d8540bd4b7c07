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
