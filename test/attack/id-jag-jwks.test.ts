import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { baseOptions, RESOURCE, USER } from '../helpers/fixtures.js';
import { basic, tokenRequest } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * An enterprise IdP's key set URL that misbehaves (issue 17, "fetched with timeouts … and HTTP
 * caching"): a JWKS endpoint that never answers costs one bounded wait (`cimd.timeoutMs`) and an
 * invalid_grant, never a hung token endpoint or a 500; a key set served with `Cache-Control: max-age`
 * is fetched once for many grants.
 */

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT = 'enterprise-agent';
const AGENT_SECRET = 'enterprise-agent-secret-0123456789-abcdef';

let idp: EnterpriseIdp;
let tarpit: Server;
let tarpitUrl: string;
let srv: TestServer;

beforeAll(async () => {
  idp = await EnterpriseIdp.start();
  // Accepts the request and never answers.
  tarpit = createServer(() => {});
  await new Promise<void>((resolve) => tarpit.listen(0, '127.0.0.1', resolve));
  tarpitUrl = `http://127.0.0.1:${(tarpit.address() as AddressInfo).port}`;
  const base = baseOptions();
  srv = await startServer({
    ...base,
    users: [{ ...USER, email_verified: true }],
    clients: [
      ...base.clients!,
      {
        client_id: AGENT,
        client_secret: AGENT_SECRET,
        grant_types: [GRANT],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'todos.read',
      },
    ],
    cimd: { timeoutMs: 500 },
    enterprise: {
      idps: [
        { issuer: idp.issuer, jwks_uri: idp.jwksUri, subject: 'email' },
        { issuer: tarpitUrl, jwks_uri: `${tarpitUrl}/jwks`, subject: 'email' },
      ],
    },
  });
});
afterAll(async () => {
  await srv?.close();
  await idp?.close();
  tarpit?.closeAllConnections();
  await new Promise<void>((resolve) => tarpit?.close(() => resolve()) ?? resolve());
});

async function present(claims: Record<string, unknown> = {}) {
  const assertion = await idp.sign(
    { audience: srv.issuer, clientId: AGENT, resource: RESOURCE, email: USER.email, scope: 'todos.read' },
    claims,
  );
  return tokenRequest(srv, { grant_type: GRANT, assertion }, { authorization: basic(AGENT, AGENT_SECRET) });
}

describe("an enterprise IdP's key set URL", () => {
  it('that never answers: invalid_grant after the fetch timeout (cimd.timeoutMs), not a hang or a 500', async () => {
    const started = Date.now();
    const response = await present({ iss: tarpitUrl });
    expect([response.status, response.body.error]).toEqual([400, 'invalid_grant']);
    expect(String(response.body.error_description)).toMatch(/key set is unavailable/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('served with Cache-Control max-age: fetched once for several grants (HTTP caching)', async () => {
    const before = idp.fetches;
    for (let i = 0; i < 3; i++) expect((await present()).status).toBe(200);
    expect(idp.fetches - before).toBeLessThanOrEqual(1);
  });
});
