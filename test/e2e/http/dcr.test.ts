import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcrOptions, register } from '../../helpers/dcr.js';
import { baseOptions, RESOURCE, USER } from '../../helpers/fixtures.js';
import { codeFlow, discover, insecure } from '../../helpers/oauth4.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { UserAgent } from '../../helpers/user-agent.js';

const LOOPBACK = 'http://127.0.0.1/callback';

describe('RFC 7591 dynamic client registration (narrow lane)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer((origin) =>
      dcrOptions(
        {
          allowedCustomSchemes: ['cursor'],
          policy: ({ metadata }) =>
            metadata.client_name === 'Blocked Tool'
              ? { allow: false, reason: 'this tool is blocked by policy' }
              : { allow: true },
        },
        origin,
      ),
    );
  });
  afterAll(() => srv.close());

  it('advertises registration_endpoint only when DCR is enabled, and /register is 404 when it is not', async () => {
    const on = (await (await fetch(`${srv.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(on.registration_endpoint).toBe(`${srv.issuer}/register`);
    const off = await startServer(baseOptions());
    try {
      const metadata = (await (
        await fetch(`${off.issuer}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      expect(metadata).not.toHaveProperty('registration_endpoint');
      expect((await register(off.issuer, { redirect_uris: [LOOPBACK] })).status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('registers a public client with every default echoed, no secret, client_id_issued_at and no-store', async () => {
    const result = await register(srv.issuer, { redirect_uris: [LOOPBACK], client_name: 'Tool', foo: 1 });
    expect(result.status).toBe(201);
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(result.body).toMatchObject({
      client_name: 'Tool',
      redirect_uris: [LOOPBACK],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      application_type: 'web',
    });
    expect(result.body.client_id).toMatch(/^dcr_/);
    expect(typeof result.body.client_id_issued_at).toBe('number');
    expect(result.body).not.toHaveProperty('client_secret');
    expect(result.body).not.toHaveProperty('foo');
  });

  it('honours application_type native with a loopback redirect and echoes it', async () => {
    const result = await register(srv.issuer, {
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1:33418/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
    });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
    });
  });

  it.each([
    // A request for a shared secret is registered as "none" (test/conformance/dcr-real-clients.test.ts).
    ['an authentication method it cannot substitute', { token_endpoint_auth_method: 'tls_client_auth' }],
    ['client_credentials', { grant_types: ['client_credentials'] }],
    ['implicit', { grant_types: ['implicit'] }],
    ['password', { grant_types: ['authorization_code', 'password'] }],
    ['response_types token', { response_types: ['token'] }],
    ['jwks and jwks_uri together', { jwks: { keys: [] }, jwks_uri: 'https://app.example/jwks' }],
    ['an unknown application_type', { application_type: 'desktop' }],
  ])('refuses %s with invalid_client_metadata', async (_name, extra) => {
    const result = await register(srv.issuer, { redirect_uris: [LOOPBACK], ...extra });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('invalid_client_metadata');
    expect(typeof result.body.error_description).toBe('string');
  });

  it('refuses a body that is not JSON, and JSON that is not an object', async () => {
    const form = await fetch(`${srv.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'redirect_uris=http://127.0.0.1/cb',
    });
    expect(form.status).toBe(400);
    expect(((await form.json()) as { error: string }).error).toBe('invalid_client_metadata');
    expect((await register(srv.issuer, '[1,2]')).body.error).toBe('invalid_client_metadata');
    expect((await register(srv.issuer, '{oops')).body.error).toBe('invalid_client_metadata');
  });

  it('refuses a software statement it cannot verify', async () => {
    const result = await register(srv.issuer, {
      redirect_uris: [LOOPBACK],
      software_statement: 'eyJ.eyJ.sig',
    });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('unapproved_software_statement');
  });

  it.each([
    'http://evil.test/cb',
    'https://app.example/cb#frag',
    'javascript:alert(1)',
    'data:text/html,hi',
    'myapp:/cb',
    'https://user@app.example/cb',
  ])('refuses the redirect URI %s with invalid_redirect_uri', async (uri) => {
    const result = await register(srv.issuer, { redirect_uris: [uri] });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('invalid_redirect_uri');
  });

  it('accepts an allow-listed private-use scheme and [::1] loopback', async () => {
    const result = await register(srv.issuer, {
      redirect_uris: ['cursor://anysphere.cursor-retrieval/oauth/callback', 'http://[::1]/cb'],
    });
    expect(result.status).toBe(201);
  });

  it('drops client_uri, logo_uri, policy_uri and tos_uri on another host than the redirect URIs', async () => {
    const result = await register(srv.issuer, {
      redirect_uris: ['https://tool.example/cb'],
      client_uri: 'https://tool.example/',
      logo_uri: 'https://tracker.evil.test/logo.png',
      tos_uri: 'http://tool.example/tos',
    });
    expect(result.status).toBe(201);
    expect(result.body.client_uri).toBe('https://tool.example/');
    expect(result.body).not.toHaveProperty('logo_uri');
    expect(result.body).not.toHaveProperty('tos_uri');
  });

  it('narrows the requested scope to what the resources offer, and echoes the narrowed value', async () => {
    const result = await register(srv.issuer, {
      redirect_uris: [LOOPBACK],
      scope: 'todos.read admin gatehouse.admin',
    });
    expect(result.body.scope).toBe('todos.read');
  });

  it('runs the policy hook after validation and reports its reason', async () => {
    const result = await register(srv.issuer, { redirect_uris: [LOOPBACK], client_name: 'Blocked Tool' });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'this tool is blocked by policy',
    });
  });

  it('returns the existing client for an identical re-registration from the same source', async () => {
    const body = { redirect_uris: ['http://127.0.0.1/same'], client_name: 'Same' };
    const first = await register(srv.issuer, body);
    const second = await register(srv.issuer, body);
    expect(second.status).toBe(201);
    expect(second.body.client_id).toBe(first.body.client_id);
    expect((await register(srv.issuer, { ...body, client_name: 'Other' })).body.client_id).not.toBe(
      first.body.client_id,
    );
  });

  it('audits accepted and rejected registrations with IP, user agent, fingerprint and reason', async () => {
    await register(
      srv.issuer,
      { redirect_uris: ['http://evil.test/cb'] },
      { 'user-agent': 'audit-check/1.0' },
    );
    const ok = await register(
      srv.issuer,
      { redirect_uris: ['http://127.0.0.1/audited'] },
      { 'user-agent': 'audit-check/1.0' },
    );
    const rejected = await srv.gh.store.listAuditEvents({ type: 'dcr.rejected', limit: 5 });
    expect(rejected.find((e) => e.userAgent === 'audit-check/1.0')).toMatchObject({ ip: '127.0.0.1' });
    expect(rejected[0]!.detail.reason).toMatch(/redirect URI/);
    const accepted = await srv.gh.store.listAuditEvents({
      type: 'dcr.registered',
      clientId: String(ok.body.client_id),
    });
    expect(accepted[0]).toMatchObject({ ip: '127.0.0.1', userAgent: 'audit-check/1.0' });
    expect(typeof accepted[0]!.detail.fingerprint).toBe('string');
  });

  it('completes the code flow with PKCE; consent says "unverified", shows the redirect host and is asked every time', async () => {
    const as = await discover(srv);
    const registration = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          redirect_uris: [LOOPBACK],
          client_name: 'Claude',
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
        },
        insecure,
      ),
    );
    const agent = new UserAgent(srv.origin);
    for (let round = 0; round < 2; round++) {
      const { pages, tokens } = await codeFlow(srv, {
        clientId: registration.client_id,
        redirectUri: 'http://127.0.0.1:45678/callback',
        agent,
      });
      const consent = pages.find((p) => p.includes('name="decision"'));
      expect(consent, `consent page in round ${round}`).toBeDefined();
      expect(consent).toContain('unverified');
      expect(consent).toContain('127.0.0.1:45678');
      expect(tokens.refresh_token).toBeDefined();
    }
  });

  it('never lets a registered client reach the admin API resource', async () => {
    const reg = await register(srv.issuer, { redirect_uris: [LOOPBACK], client_name: 'Sneaky' });
    const url = new URL(`${srv.issuer}/authorize`);
    url.search = new URLSearchParams({
      client_id: String(reg.body.client_id),
      redirect_uri: LOOPBACK,
      response_type: 'code',
      resource: `${srv.issuer}/admin`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'x',
    }).toString();
    const agent = new UserAgent(srv.origin);
    const { location } = await agent.authorize(url.href, USER);
    expect(new URL(location!).searchParams.get('error')).toBe('invalid_target');
  });

  it('respects a resource that does not admit DCR clients (per-resource lanes)', async () => {
    const base = dcrOptions();
    const closed = await startServer({
      ...base,
      resources: base.resources!.map((r) => (r.resource === RESOURCE ? { ...r, lanes: { dcr: false } } : r)),
    });
    try {
      const reg = await register(closed.issuer, { redirect_uris: [LOOPBACK] });
      const url = new URL(`${closed.issuer}/authorize`);
      url.search = new URLSearchParams({
        client_id: String(reg.body.client_id),
        redirect_uri: LOOPBACK,
        response_type: 'code',
        resource: RESOURCE,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 'x',
      }).toString();
      const { location } = await new UserAgent(closed.origin).authorize(url.href, USER);
      const params = new URL(location!).searchParams;
      expect(params.get('error')).toBe('invalid_target');
      expect(params.get('error_description')).toMatch(/does not accept dcr clients/);
    } finally {
      await closed.close();
    }
  });
});
