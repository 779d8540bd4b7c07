import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken, mintRefreshToken } from '../../src/grants/issue.js';
import { mintOpaque } from '../../src/tokens/opaque.js';
import { DocumentHost } from '../helpers/cimd.js';
import { register } from '../helpers/dcr.js';
import { baseOptions, MACHINE_SECRET, RESOURCE, USER } from '../helpers/fixtures.js';
import { authorizeUrl, basic, decodeJwt, pkce, tokenRequest } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createGrant } from '../store/fixtures.js';

/**
 * Privilege escalation through the admin API (issue 11, part 2). The admin API is a resource of its own
 * (`{issuer}/admin`); its tokens are issued only through client_credentials, to preregistered clients
 * that list it, and the API checks the token's subject: the client itself, or (for a delegated token,
 * which Gatehouse no longer issues) a user who is an administrator now, through a live grant.
 * An ordinary user and a client allowed the admin resource together must get nothing usable.
 * @see RFC 8707 §2 (invalid_target), RFC 6749 §4.4, RFC 9068 §2.2, RFC 6750 §3.1
 */

const ADMIN_USER = { email: 'root@example.com', password: 'admin password 123' };
const MALLORY = 'mallory@example.com';
const PORTAL_REDIRECT = 'https://portal.example/cb';
const SECRETS = {
  'admin-portal': 'portal-secret-0123456789-abcdefghijklmnop',
  'ops-bot': 'ops-bot-secret-0123456789-abcdefghijklmno',
  'ops-bot-2': 'ops-bot-2-secret-0123456789-abcdefghijklm',
  'ops-bot-3': 'ops-bot-3-secret-0123456789-abcdefghijklm',
} as const;
const auth = (id: keyof typeof SECRETS) => ({ authorization: basic(id, SECRETS[id]) });

const documents = new DocumentHost();
const CIMD_ID = 'https://tool.example.com/client.json';
let srv: TestServer;
let admin: string;

beforeAll(async () => {
  srv = await startServer((origin) => {
    const base = baseOptions();
    const bot = (client_id: keyof typeof SECRETS) => ({
      client_id,
      client_secret: SECRETS[client_id],
      grant_types: ['client_credentials' as const],
      resources: [`${origin}/admin`],
    });
    return {
      ...base,
      dcr: { enabled: true },
      cimd: { enabled: true, fetch: documents.fetch },
      users: [USER, { ...ADMIN_USER, admin: true }],
      clients: [
        ...base.clients!,
        // The strongest position for the attack: a trusted first-party app that lists the admin API.
        {
          client_id: 'admin-portal',
          client_name: 'Admin Portal',
          client_secret: SECRETS['admin-portal'],
          redirect_uris: [PORTAL_REDIRECT],
          grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
          resources: [RESOURCE, `${origin}/admin`],
          first_party: true,
        },
        bot('ops-bot'),
        bot('ops-bot-2'),
        bot('ops-bot-3'),
      ],
    };
  });
  admin = `${srv.issuer}/admin`;
  documents.publish(CIMD_ID, { resources: [admin], scope: 'gatehouse.admin' });
});
afterAll(() => srv.close());

async function adminApi(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${srv.issuer}/admin/api/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** The token reads nothing and creates no administrator; the refusal carries only the error fields. */
async function expectNoAdminPower(token: string, status: 401 | 403) {
  for (const [method, path, body] of [
    ['GET', 'users'],
    ['GET', 'clients'],
    ['POST', 'users', { email: MALLORY, password: 'mallory password 1', admin: true }],
  ] as const) {
    const result = await adminApi(token, method, path, body);
    expect(result.status, `${method} ${path}`).toBe(status);
    expect(Object.keys(result.body).sort()).toEqual(['error', 'error_description']);
  }
  expect(await srv.gh.store.getUserByEmail(MALLORY)).toBeUndefined();
}

async function clientCredentials(id: keyof typeof SECRETS, resource = admin) {
  return tokenRequest(srv, { grant_type: 'client_credentials', resource }, auth(id));
}

async function userId(email: string): Promise<string> {
  return (await srv.gh.store.getUserByEmail(email))!.id;
}

/** Runs an authorization request for USER through the real pages; returns the redirect back. */
async function authorizeAsUser(overrides: Record<string, string | string[] | undefined>) {
  const { url, verifier } = authorizeUrl(srv, {
    client_id: 'admin-portal',
    redirect_uri: PORTAL_REDIRECT,
    ...overrides,
  });
  const result = await new UserAgent(srv.origin).authorize(url, USER);
  expect(result.location, 'a redirect back to the client').toBeDefined();
  return { location: new URL(result.location!), verifier };
}

describe('a user cannot obtain an admin API token through a client that lists the admin resource', () => {
  it.each([
    ['resource={issuer}/admin with scope gatehouse.admin', { scope: 'gatehouse.admin' }, 'invalid_target'],
    ['resource={issuer}/admin with the default scope', { scope: undefined }, 'invalid_target'],
    [
      'resource={issuer}/admin with openid (the ID token flow)',
      { scope: 'openid gatehouse.admin' },
      'invalid_target',
    ],
  ])(
    '/authorize with %s redirects invalid_target and no code, even after sign-in',
    async (_, extra, error) => {
      const { location } = await authorizeAsUser({ resource: admin, ...extra });
      expect(`${location.origin}${location.pathname}`).toBe(PORTAL_REDIRECT);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('code')).toBeNull();
    },
  );

  it('/authorize with the admin resource next to another one, or its scope on another resource, gives no code', async () => {
    const both = await authorizeAsUser({ resource: [RESOURCE, admin], scope: 'todos.read' });
    expect(both.location.searchParams.get('error')).toBe('invalid_target');
    const scopeOnly = await authorizeAsUser({ resource: RESOURCE, scope: 'gatehouse.admin' });
    expect(scopeOnly.location.searchParams.get('error')).toBe('invalid_scope');
    expect(scopeOnly.location.searchParams.get('code')).toBeNull();
  });

  it('a code for the admin resource minted before the rule redeems to nothing, with or without PKCE, and its grant is revoked', async () => {
    for (const withPkce of [true, false]) {
      const { verifier, challenge } = pkce();
      const code = mintOpaque('ghc');
      const grantId = `grt_legacy_code_${withPkce}`;
      const at = Date.now();
      await srv.gh.store.createAuthorizationCode({
        id: code.id,
        secretHash: code.secretHash,
        clientId: 'admin-portal',
        userId: await userId(USER.email),
        grantId,
        redirectUri: PORTAL_REDIRECT,
        redirectUriExplicit: true,
        codeChallenge: withPkce ? challenge : null,
        codeChallengeMethod: withPkce ? 'S256' : null,
        scope: 'gatehouse.admin',
        resource: admin,
        nonce: null,
        sessionId: null,
        authTime: at,
        createdAt: at,
        expiresAt: at + 60_000,
        consumedAt: null,
      });
      const response = await tokenRequest(
        srv,
        {
          grant_type: 'authorization_code',
          code: code.value,
          code_verifier: withPkce ? verifier : undefined,
          redirect_uri: PORTAL_REDIRECT,
        },
        auth('admin-portal'),
      );
      expect([response.status, response.body.error]).toEqual([400, 'invalid_grant']);
      expect(response.body.access_token).toBeUndefined();
      expect(response.body.refresh_token).toBeUndefined();
      expect((await srv.gh.store.getGrant(grantId))?.revokedAt).not.toBeNull();
    }
  });

  it('a refresh token for another resource cannot be exchanged for the admin resource or its scope', async () => {
    const { location, verifier } = await authorizeAsUser({ resource: RESOURCE, scope: 'todos.read' });
    const tokens = await tokenRequest(
      srv,
      {
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: PORTAL_REDIRECT,
      },
      auth('admin-portal'),
    );
    expect(tokens.status).toBe(200);
    let refreshToken: string = tokens.body.refresh_token;
    const attempts = [
      [{ resource: admin }, 'invalid_target'],
      [{ resource: admin, scope: 'gatehouse.admin' }, 'invalid_target'],
      [{ scope: 'gatehouse.admin' }, 'invalid_scope'],
    ] as const;
    for (const [extra, error] of attempts) {
      const r = await tokenRequest(
        srv,
        { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
        auth('admin-portal'),
      );
      expect([r.status, r.body.error], JSON.stringify(extra)).toEqual([400, error]);
    }
    // The token was not spent by the refusals, and still gives only what it was granted.
    const fine = await tokenRequest(
      srv,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      auth('admin-portal'),
    );
    expect(fine.status).toBe(200);
    refreshToken = fine.body.refresh_token;
    expect(decodeJwt(fine.body.access_token).payload.aud).toBe(RESOURCE);
    await expectNoAdminPower(fine.body.access_token, 401);
  });

  it('a refresh token for the admin resource minted before the rule gives nothing', async () => {
    const grantId = 'grt_legacy_refresh';
    const at = Date.now();
    const refresh = mintRefreshToken(srv.gh.context, {
      grantId,
      clientId: 'admin-portal',
      scope: 'gatehouse.admin',
      resource: admin,
    });
    await createGrant(
      srv.gh.store,
      {
        id: grantId,
        userId: await userId(USER.email),
        clientId: 'admin-portal',
        scope: 'gatehouse.admin',
        resource: admin,
        sessionId: null,
        authTime: at,
        createdAt: at,
        revokedAt: null,
        revokedReason: null,
      },
      refresh.record,
    );
    for (const extra of [{}, { resource: admin }, { resource: RESOURCE }]) {
      const r = await tokenRequest(
        srv,
        { grant_type: 'refresh_token', refresh_token: refresh.value, ...extra },
        auth('admin-portal'),
      );
      expect(r.status, JSON.stringify(extra)).toBe(400);
      expect(r.body.access_token).toBeUndefined();
    }
  });

  it('DCR and CIMD clients can neither list the admin resource nor request it', async () => {
    const registered = await register(srv.issuer, {
      redirect_uris: ['https://tool.example.net/cb'],
      client_name: 'Self-registered',
      resources: [admin],
      scope: 'gatehouse.admin',
    });
    expect(registered.status).toBe(201);
    expect(registered.body.scope).toBeUndefined();
    const clients: [string, string][] = [
      [String(registered.body.client_id), 'https://tool.example.net/cb'],
      [CIMD_ID, 'https://tool.example.com/cb'],
    ];
    for (const [clientId, redirectUri] of clients) {
      const { url } = authorizeUrl(srv, { client_id: clientId, redirect_uri: redirectUri, resource: admin });
      const result = await new UserAgent(srv.origin).authorize(url, USER);
      const location = new URL(result.location!);
      expect(location.searchParams.get('error'), clientId).toBe('invalid_target');
      expect(location.searchParams.get('code')).toBeNull();
      expect((await srv.gh.store.getClient(clientId))?.resources).toEqual([]);
    }
  });
});

describe('the admin API checks who the token is for, not only its audience and scope', () => {
  it('the legitimate path works: a client listing the admin resource gets a client_credentials token that administers', async () => {
    const response = await clientCredentials('ops-bot');
    expect(response.status).toBe(200);
    const claims = decodeJwt(response.body.access_token).payload;
    expect([claims.aud, claims.sub, claims.client_id, claims.scope]).toEqual([
      admin,
      'ops-bot',
      'ops-bot',
      'gatehouse.admin',
    ]);
    expect((await adminApi(response.body.access_token, 'GET', 'clients')).status).toBe(200);
  });

  it('a client that does not list the admin resource cannot get its token', async () => {
    const response = await tokenRequest(
      srv,
      { grant_type: 'client_credentials', resource: admin },
      { authorization: basic('machine', MACHINE_SECRET) },
    );
    expect([response.status, response.body.error]).toEqual([400, 'invalid_target']);
  });

  it('a user token for another resource, and a client token for another resource, are refused with no data', async () => {
    const { location, verifier } = await authorizeAsUser({ resource: RESOURCE, scope: 'openid todos.read' });
    const tokens = await tokenRequest(
      srv,
      {
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: PORTAL_REDIRECT,
      },
      auth('admin-portal'),
    );
    await expectNoAdminPower(tokens.body.access_token, 401);
    await expectNoAdminPower(tokens.body.id_token, 401);
    await expectNoAdminPower((await clientCredentials('admin-portal', RESOURCE)).body.access_token, 401);
  });

  it('a delegated admin token (as minted before the rule) is worth no more than its user, now', async () => {
    const ctx = srv.gh.context;
    const delegated = async (email: string, grantId: string, grantUser = email) => {
      const at = Date.now();
      await createGrant(srv.gh.store, {
        id: grantId,
        userId: await userId(grantUser),
        clientId: 'admin-portal',
        scope: 'gatehouse.admin',
        resource: admin,
        sessionId: null,
        authTime: at,
        createdAt: at,
        revokedAt: null,
        revokedReason: null,
      });
      const issued = await issueAccessToken(ctx, {
        sub: await userId(email),
        clientId: 'admin-portal',
        resource: admin,
        scope: ['gatehouse.admin'],
        grantId,
        authTime: at,
      });
      return issued.token;
    };
    // An ordinary user: forbidden, whatever the token says.
    await expectNoAdminPower(await delegated(USER.email, 'grt_user_admin'), 403);
    // A grant of someone else named in the token: not this user's delegation.
    await expectNoAdminPower(await delegated(USER.email, 'grt_borrowed', ADMIN_USER.email), 401);
    // An administrator through a live grant is accepted; no longer once demoted, or once the grant is revoked.
    const token = await delegated(ADMIN_USER.email, 'grt_root_admin');
    expect((await adminApi(token, 'GET', 'clients')).status).toBe(200);
    const rootId = await userId(ADMIN_USER.email);
    await srv.gh.store.updateUser(rootId, { admin: false });
    await expectNoAdminPower(token, 403);
    await srv.gh.store.updateUser(rootId, { admin: true });
    expect((await adminApi(token, 'GET', 'clients')).status).toBe(200);
    await srv.gh.store.revokeGrant('grt_root_admin', Date.now(), 'test');
    await expectNoAdminPower(token, 401);
  });

  it('a client_credentials token stops working when its client is disabled', async () => {
    const token = (await clientCredentials('ops-bot-2')).body.access_token as string;
    expect((await adminApi(token, 'GET', 'clients')).status).toBe(200);
    const operator = (await clientCredentials('ops-bot')).body.access_token as string;
    const disabled = await adminApi(operator, 'POST', 'clients/ops-bot-2/disable', { reason: 'leaked' });
    expect(disabled.status).toBe(200);
    await expectNoAdminPower(token, 401);
    expect((await clientCredentials('ops-bot-2')).status).toBe(401);
  });

  it('a client_credentials token stops working when its client no longer lists the admin resource', async () => {
    const token = (await clientCredentials('ops-bot-3')).body.access_token as string;
    expect((await adminApi(token, 'GET', 'clients')).status).toBe(200);
    await srv.gh.store.updateClient('ops-bot-3', { resources: [RESOURCE], updatedAt: Date.now() });
    await expectNoAdminPower(token, 401);
    expect((await clientCredentials('ops-bot-3')).body.error).toBe('invalid_target');
  });

  it('after every attempt, the only administrator is the configured one', async () => {
    const users = await srv.gh.store.listUsers({ limit: 100 });
    expect(users.filter((u) => u.admin).map((u) => u.email)).toEqual([ADMIN_USER.email]);
  });
});
