import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatehouseOptions } from '../../src/config/options.js';
import { ConfigError, resolveConfig } from '../../src/config/resolve.js';
import { effectiveSettings } from '../../src/operations/settings.js';
import { DocumentHost } from '../helpers/cimd.js';
import { type AssertionSigner, createSigner } from '../helpers/client-assertion.js';
import { EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { baseOptions, RESOURCE, USER } from '../helpers/fixtures.js';
import { basic, tokenRequest } from '../helpers/oauth.js';
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js';

/**
 * The ID-JAG grant as the MCP enterprise-managed authorization extension (§5, §6) and
 * draft-ietf-oauth-identity-assertion-authz-grant (§4.4, §7.2) describe it: discovery, the token
 * response, the token's claims, subject mapping per IdP, and the client kinds that may use it.
 */

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const PROFILE = 'urn:ietf:params:oauth:grant-profile:id-jag';
const AGENT = 'enterprise-agent';
const AGENT_SECRET = 'enterprise-agent-secret-0123456789-abcdef';
const KEYED = 'keyed-agent';
const CIMD_ID = 'https://tool.example.com/oauth/client.json';
const CIMD_PLAIN = 'https://plain.example.com/oauth/client.json';

let idp: EnterpriseIdp;
let subIdp: EnterpriseIdp;
let signer: AssertionSigner;
const host = new DocumentHost();
let srv: TestServer;

beforeAll(async () => {
  idp = await EnterpriseIdp.start();
  subIdp = await EnterpriseIdp.start();
  signer = await createSigner('ES256');
  for (const [id, grants] of [
    [CIMD_ID, ['authorization_code', GRANT]],
    [CIMD_PLAIN, ['authorization_code']],
  ] as const) {
    host.publish(id, {
      redirect_uris: ['https://tool.example.com/cb'],
      grant_types: grants,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [signer.jwk] },
    });
  }
  const base = baseOptions();
  srv = await startServer({
    ...base,
    users: [{ ...USER, email_verified: true }],
    cimd: { enabled: true, fetch: host.fetch },
    clients: [
      ...base.clients!,
      { client_id: AGENT, client_secret: AGENT_SECRET, grant_types: [GRANT] },
      {
        client_id: KEYED,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [signer.jwk as Record<string, unknown>] },
        grant_types: [GRANT],
      },
    ],
    enterprise: {
      idps: [
        { issuer: idp.issuer, jwks_uri: idp.jwksUri, subject: 'email' },
        // Static keys, subject by `sub`, users created just in time.
        {
          issuer: subIdp.issuer,
          jwks: { keys: [subIdp.signing.jwk as Record<string, unknown>] },
          subject: 'sub',
          signup: true,
        },
      ],
    },
  });
});
afterAll(async () => {
  await srv?.close();
  await idp.close();
  await subIdp.close();
});

const agentAuth = { authorization: basic(AGENT, AGENT_SECRET) };
const input = (over: Record<string, string> = {}) => ({
  audience: srv.issuer,
  clientId: AGENT,
  resource: RESOURCE,
  email: USER.email,
  scope: 'todos.read todos.write',
  ...over,
});

describe('discovery (extension §6, draft §7.2)', () => {
  it('metadata lists the jwt-bearer grant and the id-jag profile when IdPs are configured', async () => {
    const meta = (await (
      await fetch(`${srv.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, string[]>;
    expect(meta.grant_types_supported).toContain(GRANT);
    expect(meta.authorization_grant_profiles_supported).toEqual([PROFILE]);
  });

  it('and neither without IdPs', async () => {
    const plain = await startServer(baseOptions());
    try {
      const meta = (await (
        await fetch(`${plain.issuer}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, string[]>;
      expect(meta.grant_types_supported).not.toContain(GRANT);
      expect(meta.authorization_grant_profiles_supported).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

describe('the token response and the access token (extension §5.1, §5.2)', () => {
  it('a Bearer token for the user, audience-bound to the resource, without a refresh token', async () => {
    const r = await tokenRequest(srv, { grant_type: GRANT, assertion: await idp.sign(input()) }, agentAuth);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toContain('no-store');
    const body = r.body as Record<string, unknown>;
    expect(body.token_type).toBe('Bearer');
    expect(body.scope).toBe('todos.read todos.write');
    expect(body.refresh_token).toBeUndefined();
    const user = await srv.gh.context.store.getUserByEmail(USER.email);
    const claims = decodeJwt(body.access_token as string);
    expect(claims).toMatchObject({
      iss: srv.issuer,
      aud: RESOURCE,
      sub: user!.id,
      client_id: AGENT,
      scope: 'todos.read todos.write',
    });
  });

  it('"assertion" is required (invalid_request)', async () => {
    const r = await tokenRequest(srv, { grant_type: GRANT }, agentAuth);
    expect([r.status, (r.body as { error: string }).error]).toEqual([400, 'invalid_request']);
  });
});

describe('subject mapping per IdP', () => {
  it('"sub" with signup: the first ID-JAG creates and links a user; later ones find it by (iss, sub), whatever the e-mail', async () => {
    const first = await tokenRequest(
      srv,
      {
        grant_type: GRANT,
        assertion: await subIdp.sign(input({ sub: 'emp-42', email: 'grace@corp.example' })),
      },
      agentAuth,
    );
    expect(first.status).toBe(200);
    const created = await srv.gh.context.store.getUserByEmail('grace@corp.example');
    expect(created).toBeDefined();
    expect(decodeJwt((first.body as { access_token: string }).access_token).sub).toBe(created!.id);
    const again = await tokenRequest(
      srv,
      {
        grant_type: GRANT,
        assertion: await subIdp.sign(input({ sub: 'emp-42', email: 'renamed@corp.example' })),
      },
      agentAuth,
    );
    expect(decodeJwt((again.body as { access_token: string }).access_token).sub).toBe(created!.id);
    expect(await srv.gh.context.store.getLinkedIdentity(subIdp.issuer, 'emp-42')).toMatchObject({
      userId: created!.id,
    });
  });

  it('"email" without signup: an unknown e-mail creates nobody', async () => {
    const r = await tokenRequest(
      srv,
      { grant_type: GRANT, assertion: await idp.sign(input({ email: 'newcomer@example.com' })) },
      agentAuth,
    );
    expect([r.status, (r.body as { error: string }).error]).toEqual([400, 'invalid_grant']);
    expect(await srv.gh.context.store.getUserByEmail('newcomer@example.com')).toBeUndefined();
  });

  it('a disabled user is refused', async () => {
    await tokenRequest(
      srv,
      { grant_type: GRANT, assertion: await subIdp.sign(input({ sub: 'emp-7', email: 'off@corp.example' })) },
      agentAuth,
    );
    const user = await srv.gh.context.store.getUserByEmail('off@corp.example');
    await srv.gh.context.store.updateUser(user!.id, { disabledAt: Date.now() });
    const r = await tokenRequest(
      srv,
      { grant_type: GRANT, assertion: await subIdp.sign(input({ sub: 'emp-7' })) },
      agentAuth,
    );
    expect([r.status, (r.body as { error: string }).error]).toEqual([400, 'invalid_grant']);
  });
});

describe('client kinds (extension §5)', () => {
  it('a preregistered private_key_jwt client', async () => {
    const r = await tokenRequest(srv, {
      grant_type: GRANT,
      assertion: await idp.sign(input({ clientId: KEYED })),
      ...(await signer.params(KEYED, srv.issuer)),
    });
    expect(r.status).toBe(200);
  });

  it('a CIMD client with private_key_jwt whose document lists the grant URN', async () => {
    const r = await tokenRequest(srv, {
      grant_type: GRANT,
      assertion: await idp.sign(input({ clientId: CIMD_ID })),
      ...(await signer.params(CIMD_ID, srv.issuer)),
    });
    expect(r.status).toBe(200);
  });

  it('a CIMD client whose document does not list it is unauthorized_client', async () => {
    const r = await tokenRequest(srv, {
      grant_type: GRANT,
      assertion: await idp.sign(input({ clientId: CIMD_PLAIN })),
      ...(await signer.params(CIMD_PLAIN, srv.issuer)),
    });
    expect([r.status, (r.body as { error: string }).error]).toEqual([400, 'unauthorized_client']);
  });
});

describe('configuration (DESIGN §4 enterprise.idps[])', () => {
  const resolve = (enterprise: unknown) => () =>
    resolveConfig({ issuer: 'http://127.0.0.1:4000', secret: TEST_SECRET, enterprise } as GatehouseOptions);
  it.each([
    [
      'both jwks_uri and jwks',
      {
        issuer: 'https://idp.example',
        jwks_uri: 'https://idp.example/jwks',
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] },
        subject: 'email',
      },
    ],
    ['neither', { issuer: 'https://idp.example', subject: 'email' }],
    [
      'an http jwks_uri off loopback',
      { issuer: 'https://idp.example', jwks_uri: 'http://idp.example/jwks', subject: 'email' },
    ],
    [
      'an unknown subject mapping',
      { issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks', subject: 'name' },
    ],
    [
      'HS256 in algorithms',
      {
        issuer: 'https://idp.example',
        jwks_uri: 'https://idp.example/jwks',
        subject: 'sub',
        algorithms: ['HS256'],
      },
    ],
    [
      'a private key in jwks',
      {
        issuer: 'https://idp.example',
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] },
        subject: 'sub',
      },
    ],
  ])('%s is a ConfigError', (_what, entry) => {
    expect(resolve({ idps: [entry] })).toThrow(ConfigError);
  });

  it('a public client listing the jwt-bearer grant is a ConfigError', () => {
    const public_ = {
      client_id: 'p',
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', GRANT],
    };
    expect(() =>
      resolveConfig({
        issuer: 'http://127.0.0.1:4000',
        secret: TEST_SECRET,
        clients: [public_],
      } as GatehouseOptions),
    ).toThrow(/jwt-bearer needs a client_secret/);
  });

  it('a loopback or private jwks_uri is accepted (an operator-configured internal IdP)', () => {
    const config = resolve({
      idps: [
        { issuer: 'http://127.0.0.1:9999', jwks_uri: 'http://127.0.0.1:9999/jwks', subject: 'email' },
        { issuer: 'https://10.0.0.5', jwks_uri: 'https://10.0.0.5/jwks', subject: 'sub' },
      ],
    })();
    expect(config.enterprise.idps.map((i) => i.signup)).toEqual([false, false]);
  });
});

describe('administration', () => {
  it('GET /admin/api/settings (and the dashboard Settings page) show the trusted IdPs and their mapping', () => {
    const shown = effectiveSettings(srv.gh.context).enterprise as { idps: Record<string, unknown>[] };
    expect(shown.idps).toEqual([
      expect.objectContaining({
        issuer: idp.issuer,
        jwks_uri: idp.jwksUri,
        jwks: null,
        subject: 'email',
        signup: false,
      }),
      expect.objectContaining({
        issuer: subIdp.issuer,
        jwks_uri: null,
        jwks: '1 keys',
        subject: 'sub',
        signup: true,
      }),
    ]);
  });
});
