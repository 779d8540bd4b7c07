import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatehouseOptions } from '../../src/config/options.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { DocumentHost } from '../helpers/cimd.js';
import { EnterpriseIdp, forgedIdJag, idpKey } from '../helpers/enterprise-idp.js';
import { baseOptions, RESOURCE, USER } from '../helpers/fixtures.js';
import { basic, fakeClock, tokenRequest, windowClock } from '../helpers/oauth.js';
import { startServer, type TestServer, testDatabase, testOptions } from '../helpers/server.js';

/**
 * Hostile ID-JAGs at the token endpoint (MCP enterprise-managed authorization §5.1 and §7.4–7.6;
 * draft-ietf-oauth-identity-assertion-authz-grant §4.4.1; RFC 7523 §3), against a local enterprise IdP
 * whose JWKS a loopback server publishes. Each refusal is 400 invalid_grant unless named otherwise.
 */

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT = 'enterprise-agent';
const AGENT_SECRET = 'enterprise-agent-secret-0123456789-abcdef';
const AGENT_AUTH = basic(AGENT, AGENT_SECRET);

const PUBLIC_CIMD = 'https://public-agent.example/client.json';
const documents = new DocumentHost();
documents.publish(PUBLIC_CIMD, {
  grant_types: ['authorization_code', GRANT],
  token_endpoint_auth_method: 'none',
});

let idp: EnterpriseIdp;
beforeAll(async () => {
  idp = await EnterpriseIdp.start();
});
afterAll(async () => {
  await idp.close();
});

function options(extra: Partial<GatehouseOptions> = {}): Partial<GatehouseOptions> {
  const base = baseOptions();
  return {
    ...base,
    users: [
      { ...USER, email_verified: true },
      { email: 'unverified@example.com', password: USER.password },
    ],
    clients: [
      ...base.clients!,
      {
        client_id: AGENT,
        client_secret: AGENT_SECRET,
        grant_types: [GRANT],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'todos.read todos.write',
      },
    ],
    // A public client cannot be configured with the grant (config schema); a CIMD document can list it.
    cimd: { enabled: true, fetch: documents.fetch },
    enterprise: { idps: [{ issuer: idp.issuer, jwks_uri: idp.jwksUri, subject: 'email' }] },
    ...extra,
  };
}

const input = (srv: TestServer, over: Record<string, string> = {}) => ({
  audience: srv.issuer,
  clientId: AGENT,
  resource: RESOURCE,
  email: USER.email,
  scope: 'todos.read',
  ...over,
});

const present = (srv: TestServer, assertion: string, extra: Record<string, string> = {}, auth = AGENT_AUTH) =>
  tokenRequest(srv, { grant_type: GRANT, assertion, ...extra }, auth ? { authorization: auth } : {});

const expectInvalidGrant = (r: { status: number; body: unknown }, what: string) =>
  expect([r.status, (r.body as { error?: string }).error], what).toEqual([400, 'invalid_grant']);

describe('ID-JAG: forged, mis-addressed and replayed assertions', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer(options());
  });
  afterAll(async () => {
    await srv.close();
  });

  it("a valid ID-JAG works once: the token is the user's, for the resource; the jti is then refused", async () => {
    const assertion = await idp.sign(input(srv));
    const ok = await present(srv, assertion);
    expect(ok.status).toBe(200);
    expect((ok.body as { scope: string }).scope).toBe('todos.read');
    expectInvalidGrant(await present(srv, assertion), 'replay');
    const jti = 'fixed-jti-1';
    expect((await present(srv, await idp.sign(input(srv), { jti }))).status).toBe(200);
    expectInvalidGrant(
      await present(srv, await idp.sign(input(srv), { jti })),
      'a fresh ID-JAG reusing a jti',
    );
  });

  it.each([
    ['typ JWT', {}, { typ: 'JWT' }],
    ['no typ', {}, { typ: undefined }],
    ['typ at+jwt', {}, { typ: 'at+jwt' }],
    ['another issuer', { iss: 'https://evil.example' }, {}],
    ['aud another server', { aud: 'https://other-as.example' }, {}],
    ['aud the token endpoint, not the issuer', { aud: 'TOKEN' }, {}],
    ['client_id of another client', { client_id: 'web-app' }, {}],
    ['no client_id', { client_id: undefined }, {}],
    ['a resource this server does not have', { resource: 'https://elsewhere.example/mcp' }, {}],
    ['no resource', { resource: undefined }, {}],
    ['expired', { exp: Math.floor(Date.now() / 1000) - 300, iat: Math.floor(Date.now() / 1000) - 400 }, {}],
    [
      'iat in the future',
      { iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 700 },
      {},
    ],
    ['exp an hour away', { exp: Math.floor(Date.now() / 1000) + 3600 }, {}],
    ['no jti', { jti: undefined }, {}],
    ['no sub', { sub: undefined }, {}],
    ['no iat', { iat: undefined }, {}],
    ['an asserted scope the resource lacks', { scope: 'todos.read admin.everything' }, {}],
    ['an e-mail no user has', { email: 'nobody@example.com' }, {}],
    ['the e-mail of a user who has not verified it', { email: 'unverified@example.com' }, {}],
  ])('%s is refused', async (what, claims, header) => {
    const fixed = { ...claims } as Record<string, unknown>;
    if (fixed.aud === 'TOKEN') fixed.aud = srv.gh.config.endpoints.token;
    expectInvalidGrant(await present(srv, await idp.sign(input(srv), fixed, header)), what);
  });

  it('alg none and HS256 (the JWKS as a shared secret) are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: idp.issuer,
      sub: 's',
      aud: srv.issuer,
      client_id: AGENT,
      resource: RESOURCE,
      jti: 'n',
      iat: now,
      exp: now + 60,
      email: USER.email,
    };
    expectInvalidGrant(await present(srv, await forgedIdJag(payload, 'none')), 'none');
    expectInvalidGrant(await present(srv, await forgedIdJag(payload, 'HS256')), 'HS256');
  });

  it('a key the IdP does not publish is refused (signature by an attacker key with the same kid)', async () => {
    const attacker = await idpKey('k1');
    expectInvalidGrant(await present(srv, await idp.sign(input(srv), {}, {}, attacker)), 'forged');
  });

  it('scope widening: only the intersection of requested and asserted scopes is granted', async () => {
    const wide = await present(srv, await idp.sign(input(srv)), { scope: 'todos.read todos.write' });
    expect([wide.status, (wide.body as { scope: string }).scope]).toEqual([200, 'todos.read']);
    const beyond = await present(srv, await idp.sign(input(srv)), { scope: 'todos.write' });
    expect([beyond.status, (beyond.body as { error: string }).error]).toEqual([400, 'invalid_scope']);
  });

  it('a resource parameter naming another resource than the assertion is refused', async () => {
    const r = await present(srv, await idp.sign(input(srv)), { resource: 'https://other.test/api' });
    expectInvalidGrant(r, 'resource mismatch');
  });

  it('a public (CIMD) client whose document lists the grant cannot use it, even with its own ID-JAG', async () => {
    const assertion = await idp.sign(input(srv, { clientId: PUBLIC_CIMD }));
    const r = await present(srv, assertion, { client_id: PUBLIC_CIMD }, '');
    expect([r.status, (r.body as { error: string }).error]).toEqual([400, 'unauthorized_client']);
  });

  it('an unauthenticated request for a confidential client is invalid_client', async () => {
    const r = await present(srv, await idp.sign(input(srv)), { client_id: AGENT }, '');
    expect([r.status, (r.body as { error: string }).error]).toEqual([401, 'invalid_client']);
    const wrong = await present(
      srv,
      await idp.sign(input(srv)),
      {},
      basic(AGENT, 'wrong-secret-wrong-secret'),
    );
    expect(wrong.status).toBe(401);
  });

  it('a client whose grant_types lack the URN is unauthorized_client', async () => {
    const r = await present(
      srv,
      await idp.sign(input(srv, { clientId: 'web-app' })),
      {},
      basic('web-app', 'confidential-secret-0123456789-abcdefghij'),
    );
    expect([r.status, (r.body as { error: string }).error]).toEqual([400, 'unauthorized_client']);
  });

  it('an oversized assertion is refused unread and not audited (no audit growth per request)', async () => {
    const before = (await srv.gh.context.store.listAuditEvents({ type: 'token.id_jag_refused', limit: 1000 }))
      .length;
    const huge = `${await idp.sign(input(srv))}${'A'.repeat(20_000)}`;
    // The form's field limit (src/http/params.ts) or the grant's own cap refuses it first.
    const r = await present(srv, huge);
    expect(r.status).toBe(400);
    expect(['invalid_request', 'invalid_grant']).toContain((r.body as { error: string }).error);
    const after = (await srv.gh.context.store.listAuditEvents({ type: 'token.id_jag_refused', limit: 1000 }))
      .length;
    expect(after).toBe(before);
  });

  it('refusals are audited, never with the assertion', async () => {
    const assertion = await idp.sign(input(srv), { client_id: 'web-app' });
    await present(srv, assertion);
    const events = await srv.gh.context.store.listAuditEvents({ limit: 50 });
    const refused = events.filter((e) => e.type === 'token.id_jag_refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain(assertion.split('.')[2]!);
    expect(events.some((e) => e.type === 'token.id_jag')).toBe(true);
  });
});

describe('ID-JAG: the IdP key set', () => {
  it('an unknown kid triggers one re-fetch per cooldown: a rotated key works once the cooldown has passed', async () => {
    const clock = fakeClock();
    const srv = await startServer({
      ...options(),
      clock: clock.now,
      singleInstance: "counts one instance's JWKS fetches",
    });
    try {
      expect((await present(srv, await idp.sign(input(srv)))).status).toBe(200);
      const before = idp.fetches;
      const rotated = await idpKey('k2');
      idp.published = [rotated];
      // Within the cooldown of the first fetch: the new kid is not looked up again.
      expectInvalidGrant(await present(srv, await idp.sign(input(srv), {}, {}, rotated)), 'cooling');
      for (let i = 0; i < 5; i++)
        expectInvalidGrant(
          await present(srv, await idp.sign(input(srv), {}, { kid: `random-${i}` })),
          'flood',
        );
      expect(idp.fetches).toBe(before);
      clock.advance(61_000);
      expect((await present(srv, await idp.sign(input(srv), {}, {}, rotated))).status).toBe(200);
      expect(idp.fetches).toBe(before + 1);
    } finally {
      idp.published = [idp.signing];
      await srv.close();
    }
  });

  it.each(['oversized', 'redirect'] as const)('a JWKS answer that is %s is refused', async (mode) => {
    const other = await EnterpriseIdp.start();
    other.mode = mode;
    const srv = await startServer(
      options({
        enterprise: { idps: [{ issuer: other.issuer, jwks_uri: other.jwksUri, subject: 'email' }] },
      }),
    );
    try {
      const r = await present(srv, await other.sign(input(srv)));
      expectInvalidGrant(r, mode);
      expect(other.fetches).toBe(1);
    } finally {
      await srv.close();
      await other.close();
    }
  });

  // The grant limits count per minute, in windows aligned to the epoch: each server's clock starts at a
  // minute boundary, so the three grants never straddle one. A minute, not an hour: the IdP signs with
  // the real time, and iat/exp are checked against the server's clock (exp is two minutes out).
  it('per-client rate limit: beyond maxGrantsPerClient a minute, 429', async () => {
    const srv = await startServer(
      options({
        clock: windowClock(60_000).now,
        enterprise: {
          idps: [{ issuer: idp.issuer, jwks_uri: idp.jwksUri, subject: 'email' }],
          maxGrantsPerClient: 2,
        },
      }),
    );
    try {
      expect((await present(srv, await idp.sign(input(srv)))).status).toBe(200);
      expect((await present(srv, await idp.sign(input(srv)))).status).toBe(200);
      const third = await present(srv, await idp.sign(input(srv)));
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await srv.close();
    }
  });

  it('per-IdP rate limit: beyond maxGrantsPerIdp a minute, 429 for every client of that IdP', async () => {
    const base = options({
      enterprise: {
        idps: [{ issuer: idp.issuer, jwks_uri: idp.jwksUri, subject: 'email' }],
        maxGrantsPerIdp: 2,
      },
    });
    const second = { ...base.clients!.find((c) => c.client_id === AGENT)!, client_id: 'second-agent' };
    const srv = await startServer({
      ...base,
      clients: [...base.clients!, second],
      clock: windowClock(60_000).now,
    });
    try {
      expect((await present(srv, await idp.sign(input(srv)))).status).toBe(200);
      expect((await present(srv, await idp.sign(input(srv)))).status).toBe(200);
      const other = await present(
        srv,
        await idp.sign(input(srv, { clientId: 'second-agent' })),
        {},
        basic('second-agent', AGENT_SECRET),
      );
      expect(other.status).toBe(429);
    } finally {
      await srv.close();
    }
  });
});

describe('ID-JAG: replay across two instances on one database', () => {
  it('a jti used at one instance is refused at the other', async () => {
    const database = await testDatabase();
    const db =
      database.url === 'sqlite::memory:'
        ? `sqlite:${process.env['TMPDIR'] ?? '/tmp'}/idjag-${process.pid}-${Date.now()}.db`
        : database.url;
    const issuer = 'http://127.0.0.1:9';
    const make = () => createGatehouse(testOptions(issuer, db, options()));
    const a = await make();
    const b = await make();
    try {
      const fake = { issuer, gh: a } as unknown as TestServer;
      const assertion = await idp.sign(input(fake));
      const call = (gh: typeof a) =>
        gh.fetch(
          new Request(`${issuer}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: AGENT_AUTH },
            body: new URLSearchParams({ grant_type: GRANT, assertion }),
          }),
          { remoteAddress: '127.0.0.1' },
        );
      expect((await call(a)).status).toBe(200);
      const second = await call(b);
      expect([second.status, ((await second.json()) as { error: string }).error]).toEqual([
        400,
        'invalid_grant',
      ]);
    } finally {
      await a.close();
      await b.close();
      await database.cleanup();
      if (db.startsWith('sqlite:/')) await rm(db.slice('sqlite:'.length), { force: true });
    }
  });
});
