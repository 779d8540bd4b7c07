import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatehouseOptions } from '../../src/config/options.js';
import { createProtectedResource } from '../../src/resource/index.js';
import { type DpopKey, dpopKey, unsignedJwt } from '../helpers/dpop.js';
import { EnterpriseIdp } from '../helpers/enterprise-idp.js';
import { baseOptions, MACHINE_SECRET, RESOURCE, USER } from '../helpers/fixtures.js';
import { authorize, basic, introspect, redeem, refresh, tokenRequest, useServer } from '../helpers/oauth.js';
import type { TestServer } from '../helpers/server.js';
import {
  ACCESS_TOKEN_TYPE,
  exchangeOptions,
  FILES,
  MCP_SERVER_AUTH,
  TOKEN_EXCHANGE,
  userTokenForA,
} from '../helpers/token-exchange.js';

/**
 * DPoP (RFC 9449) at the token endpoint and at a protected resource: every proof that is not exactly
 * for this request, by this key, now and once, is refused; bound tokens stay bound.
 */

function options(extra: Partial<GatehouseOptions> = {}): Partial<GatehouseOptions> {
  const base = baseOptions();
  return {
    ...base,
    clients: [
      ...base.clients!,
      {
        client_id: 'dpop-app',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        dpop_bound_access_tokens: true,
      },
    ],
    ...extra,
  };
}

const now = () => Math.floor(Date.now() / 1000);

async function codeFor(srv: TestServer, clientId = 'native-app', extra: Record<string, string> = {}) {
  const auth = await authorize(srv, { client_id: clientId, ...extra });
  return auth;
}

async function proofFor(srv: TestServer, key: DpopKey, claims: Record<string, unknown> = {}, header = {}) {
  return key.proof({ htm: 'POST', htu: srv.gh.config.endpoints.token, ...claims }, header);
}

describe('DPoP at the token endpoint', () => {
  const server = useServer(() => options());

  it('binds the access token to the proof key: cnf.jkt, token_type DPoP, introspection says so', async () => {
    const srv = server();
    const key = await dpopKey();
    const auth = await codeFor(srv);
    const response = await redeem(srv, auth, {}, { dpop: await proofFor(srv, key) });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.token_type).toBe('DPoP');
    expect(decodeJwt(response.body.access_token).cnf).toEqual({ jkt: key.jkt });
    const info = await introspect(srv, response.body.access_token);
    expect([info.body.token_type, info.body.cnf]).toEqual(['DPoP', { jkt: key.jkt }]);
  });

  it('without a proof nothing changes: a Bearer token without cnf', async () => {
    const srv = server();
    const response = await redeem(srv, await codeFor(srv));
    expect(response.body.token_type).toBe('Bearer');
    expect(decodeJwt(response.body.access_token).cnf).toBeUndefined();
  });

  const refusals: [string, (srv: TestServer, key: DpopKey) => Promise<string>][] = [
    ['made for another URL (htu)', (srv, key) => proofFor(srv, key, { htu: `${srv.issuer}/other` })],
    ['made for another method (htm)', (srv, key) => proofFor(srv, key, { htm: 'GET' })],
    ['issued too long ago (iat)', (srv, key) => proofFor(srv, key, { iat: now() - 600 })],
    ['issued in the future (iat)', (srv, key) => proofFor(srv, key, { iat: now() + 600 })],
    ['of the wrong typ', (srv, key) => proofFor(srv, key, {}, { typ: 'JWT' })],
    [
      'with alg none',
      async (srv, key) =>
        unsignedJwt(
          { alg: 'none', typ: 'dpop+jwt', jwk: key.jwk },
          { htm: 'POST', htu: srv.gh.config.endpoints.token, iat: now(), jti: 'x1' },
        ),
    ],
    [
      'with HS256 and a symmetric jwk',
      async (srv) =>
        unsignedJwt(
          { alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } },
          { htm: 'POST', htu: srv.gh.config.endpoints.token, iat: now(), jti: 'x2' },
          'AAAA',
        ),
    ],
    [
      'with a private key in the jwk header',
      async (srv, key) => proofFor(srv, key, {}, { jwk: { ...key.jwk, d: 'AAAA' } }),
    ],
    [
      'signed by key A with the jwk of key B',
      async (srv, key) => proofFor(srv, key, {}, { jwk: (await dpopKey()).jwk }),
    ],
    ['holding a control character (HT, C1)', async () => 'a.b\tc.d\u0085'],
    [
      'sent twice (two DPoP headers)',
      async (srv, key) => `${await proofFor(srv, key)}, ${await proofFor(srv, key)}`,
    ],
  ];

  it.each(refusals)(
    'a proof %s is refused (400 invalid_dpop_proof) and the code stays usable',
    async (_name, make) => {
      const srv = server();
      const key = await dpopKey();
      const auth = await codeFor(srv);
      const refused = await redeem(srv, auth, {}, { dpop: await make(srv, key) });
      expect([refused.status, refused.body.error]).toEqual([400, 'invalid_dpop_proof']);
      expect((await redeem(srv, auth, {}, { dpop: await proofFor(srv, key) })).status).toBe(200);
    },
  );

  it('the error_description names what is wrong with the proof, not always its signature', async () => {
    const srv = server();
    const key = await dpopKey();
    const auth = await codeFor(srv);
    const cases: [Promise<string>, RegExp][] = [
      [proofFor(srv, key, { iat: String(now()) }), /claim iat is invalid/],
      [proofFor(srv, key, { exp: now() - 60 }), /has expired/],
      [proofFor(srv, key, {}, { jwk: (await dpopKey()).jwk }), /signature does not verify/],
    ];
    for (const [proof, description] of cases) {
      const refused = await redeem(srv, auth, {}, { dpop: await proof });
      expect([refused.status, refused.body.error]).toEqual([400, 'invalid_dpop_proof']);
      expect(refused.body.error_description).toMatch(description);
      // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
      expect(refused.body.error_description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
    }
  });

  it('a replayed proof (same jti) is refused', async () => {
    const srv = server();
    const key = await dpopKey();
    const proof = await proofFor(srv, key);
    expect((await redeem(srv, await codeFor(srv), {}, { dpop: proof })).status).toBe(200);
    const replay = await redeem(srv, await codeFor(srv), {}, { dpop: proof });
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_dpop_proof']);
  });

  it('a client with dpop_bound_access_tokens that sends no proof is refused; with one it is served', async () => {
    const srv = server();
    const auth = await codeFor(srv, 'dpop-app');
    const bare = await redeem(srv, auth, { client_id: 'dpop-app' });
    expect([bare.status, bare.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const key = await dpopKey();
    const bound = await redeem(srv, auth, { client_id: 'dpop-app' }, { dpop: await proofFor(srv, key) });
    expect([bound.status, bound.body.token_type]).toEqual([200, 'DPoP']);
  });

  it("a public client's refresh token is bound to the key: no proof, or another key, is refused; the key refreshes", async () => {
    const srv = server();
    const key = await dpopKey();
    const granted = await redeem(srv, await codeFor(srv), {}, { dpop: await proofFor(srv, key) });
    const token = granted.body.refresh_token as string;
    const bare = await refresh(srv, token);
    expect([bare.status, bare.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const other = await tokenRequest(
      srv,
      { grant_type: 'refresh_token', refresh_token: token, client_id: 'native-app' },
      { dpop: await proofFor(srv, await dpopKey()) },
    );
    expect([other.status, other.body.error]).toEqual([400, 'invalid_grant']);
    const good = await tokenRequest(
      srv,
      { grant_type: 'refresh_token', refresh_token: token, client_id: 'native-app' },
      { dpop: await proofFor(srv, key) },
    );
    expect([good.status, good.body.token_type]).toEqual([200, 'DPoP']);
    expect(decodeJwt(good.body.access_token).cnf).toEqual({ jkt: key.jkt });
  });

  it('a code requested with dpop_jkt is redeemed only with a proof of that key (RFC 9449 §10)', async () => {
    const srv = server();
    const key = await dpopKey();
    const auth = await codeFor(srv, 'native-app', { dpop_jkt: key.jkt });
    const none = await redeem(srv, auth);
    expect([none.status, none.body.error]).toEqual([400, 'invalid_grant']);
    const other = await redeem(srv, auth, {}, { dpop: await proofFor(srv, await dpopKey()) });
    expect([other.status, other.body.error]).toEqual([400, 'invalid_grant']);
    expect((await redeem(srv, auth, {}, { dpop: await proofFor(srv, key) })).status).toBe(200);
  });

  it('client_credentials tokens are bound too', async () => {
    const srv = server();
    const key = await dpopKey();
    const response = await tokenRequest(
      srv,
      { grant_type: 'client_credentials', resource: RESOURCE, scope: 'todos.read' },
      { authorization: basic('machine', MACHINE_SECRET), dpop: await proofFor(srv, key) },
    );
    expect([response.status, response.body.token_type]).toEqual([200, 'DPoP']);
  });

  it('metadata lists dpop_signing_alg_values_supported, asymmetric only', async () => {
    const srv = server();
    const metadata = await (await fetch(`${srv.origin}/.well-known/oauth-authorization-server`)).json();
    const algs = metadata.dpop_signing_alg_values_supported as string[];
    expect(algs).toContain('ES256');
    expect(algs.some((a) => a === 'none' || a.startsWith('HS'))).toBe(false);
  });
});

describe('DPoP nonces (dpop.requireNonce)', () => {
  const server = useServer(() => options({ dpop: { requireNonce: true, nonceLifetime: 60 } }));

  it('a proof without a nonce gets use_dpop_nonce and a DPoP-Nonce; with it, the request succeeds', async () => {
    const srv = server();
    const key = await dpopKey();
    const auth = await codeFor(srv);
    const first = await redeem(srv, auth, {}, { dpop: await proofFor(srv, key) });
    expect([first.status, first.body.error]).toEqual([400, 'use_dpop_nonce']);
    const nonce = first.headers.get('dpop-nonce')!;
    expect(nonce).toBeTruthy();
    const second = await redeem(srv, auth, {}, { dpop: await proofFor(srv, key, { nonce }) });
    expect([second.status, second.body.token_type]).toEqual([200, 'DPoP']);
  });

  it('a stale or forged nonce is refused with use_dpop_nonce', async () => {
    const srv = server();
    const key = await dpopKey();
    const auth = await codeFor(srv);
    const fresh = (await redeem(srv, auth, {}, { dpop: await proofFor(srv, key) })).headers.get(
      'dpop-nonce',
    )!;
    const [window, mac] = fresh.split('.');
    const stale = `${(Number.parseInt(window!, 36) - 2).toString(36)}.${mac}`;
    const forged = `${window}.${'A'.repeat(43)}`;
    for (const nonce of [stale, forged, 'nonsense']) {
      const refused = await redeem(srv, auth, {}, { dpop: await proofFor(srv, key, { nonce }) });
      expect([refused.status, refused.body.error]).toEqual([400, 'use_dpop_nonce']);
    }
  });
});

describe('DPoP at a protected resource (gatehouse/resource)', () => {
  const server = useServer(() => options());

  async function boundToken(srv: TestServer, key: DpopKey): Promise<string> {
    const response = await redeem(srv, await codeFor(srv), {}, { dpop: await proofFor(srv, key) });
    expect(response.status).toBe(200);
    return response.body.access_token as string;
  }
  const call = (token: string, proof: string | undefined, scheme = 'DPoP', method = 'POST') =>
    createProtectedResource({ issuer: server().issuer, resource: RESOURCE }).authenticate({
      authorization: `${scheme} ${token}`,
      url: '/mcp',
      method,
      dpop: proof,
    });

  it('accepts the bound token with a proof of its key for this request', async () => {
    const key = await dpopKey();
    const token = await boundToken(server(), key);
    const result = await call(token, await key.proof({ htm: 'POST', htu: RESOURCE, accessToken: token }));
    expect(result.ok).toBe(true);
  });

  it('refuses a DPoP-bound token presented as Bearer (RFC 9449 §7.2)', async () => {
    const key = await dpopKey();
    const token = await boundToken(server(), key);
    const result = await call(token, undefined, 'Bearer');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.error).toBe('invalid_token');
    expect(result.challenge.headers['www-authenticate']).toMatch(/DPoP error="invalid_token"/);
  });

  const bad: [string, (key: DpopKey, token: string) => Promise<string | undefined>][] = [
    ['no proof', async () => undefined],
    ['ath of another token', (key) => key.proof({ htm: 'POST', htu: RESOURCE, accessToken: 'other' })],
    ['no ath', (key) => key.proof({ htm: 'POST', htu: RESOURCE })],
    ['another URL', (key, token) => key.proof({ htm: 'POST', htu: `${RESOURCE}/x`, accessToken: token })],
    ['another method', (key, token) => key.proof({ htm: 'GET', htu: RESOURCE, accessToken: token })],
    [
      'a stale iat',
      (key, token) => key.proof({ htm: 'POST', htu: RESOURCE, accessToken: token, iat: now() - 900 }),
    ],
    [
      'another key',
      async (_key, token) => (await dpopKey()).proof({ htm: 'POST', htu: RESOURCE, accessToken: token }),
    ],
  ];

  it.each(bad)(
    'refuses a bound token with %s: 401, DPoP error="invalid_dpop_proof", resource_metadata kept',
    async (_name, make) => {
      const key = await dpopKey();
      const token = await boundToken(server(), key);
      const result = await call(token, await make(key, token));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.challenge.status).toBe(401);
      const header = result.challenge.headers['www-authenticate']!;
      expect(header).toMatch(/^Bearer resource_metadata="[^"]+"/);
      expect(header).toMatch(
        /DPoP error="invalid_dpop_proof", error_description="[^"]+", algs="[^"]*ES256[^"]*", resource_metadata="/,
      );
    },
  );

  it('refuses a replayed proof at the resource (jti)', async () => {
    const key = await dpopKey();
    const token = await boundToken(server(), key);
    const proof = await key.proof({ htm: 'POST', htu: RESOURCE, accessToken: token });
    const resource = createProtectedResource({ issuer: server().issuer, resource: RESOURCE });
    const request = { authorization: `DPoP ${token}`, url: '/mcp', method: 'POST', dpop: proof };
    expect((await resource.authenticate(request)).ok).toBe(true);
    const again = await resource.authenticate(request);
    expect(again.ok || again.error.error).toBe('invalid_dpop_proof');
  });

  it('a full replay cache (replayCacheSize) never lets an evicted proof back in', async () => {
    const key = await dpopKey();
    const token = await boundToken(server(), key);
    const resource = createProtectedResource({
      issuer: server().issuer,
      resource: RESOURCE,
      dpop: { replayCacheSize: 2 },
    });
    const proofs = [];
    for (let i = 0; i < 3; i++)
      proofs.push(await key.proof({ htm: 'POST', htu: RESOURCE, accessToken: token }));
    const use = (dpop: string) =>
      resource.authenticate({ authorization: `DPoP ${token}`, url: '/mcp', method: 'POST', dpop });
    for (const proof of proofs) expect((await use(proof)).ok).toBe(true);
    // The first proof was evicted to make room for the third: its replay is still refused.
    const replay = await use(proofs[0]!);
    expect(replay.ok || replay.error.error).toBe('invalid_dpop_proof');
  });

  it('in introspection mode too: the bound token with a proof is accepted, as Bearer it is refused', async () => {
    const key = await dpopKey();
    const token = await boundToken(server(), key);
    const resource = createProtectedResource({
      issuer: server().issuer,
      resource: RESOURCE,
      introspection: { clientId: 'machine', clientSecret: MACHINE_SECRET, cacheTtl: 0 },
    });
    const proof = await key.proof({ htm: 'POST', htu: RESOURCE, accessToken: token });
    const ok = await resource.authenticate({
      authorization: `DPoP ${token}`,
      url: '/mcp',
      method: 'POST',
      dpop: proof,
    });
    expect(ok.ok).toBe(true);
    const asBearer = await resource.authenticate({
      authorization: `Bearer ${token}`,
      url: '/mcp',
      method: 'POST',
    });
    expect(asBearer.ok || asBearer.error.error).toBe('invalid_token');
  });

  it('refuses a bearer token presented with the DPoP scheme', async () => {
    const srv = server();
    const bearer = (await redeem(srv, await codeFor(srv))).body.access_token as string;
    const key = await dpopKey();
    const result = await call(bearer, await key.proof({ htm: 'POST', htu: RESOURCE, accessToken: bearer }));
    expect(result.ok || result.error.error).toBe('invalid_token');
  });
});

describe('DPoP with token exchange (RFC 8693)', () => {
  const server = useServer(exchangeOptions);

  it('an exchange request with a proof gets a token bound to the exchanger key; a replayed proof is refused', async () => {
    const srv = server();
    const { access_token } = await userTokenForA(srv);
    const key = await dpopKey();
    const proof = await proofFor(srv, key);
    const bound = await tokenRequestWithProof(srv, access_token, proof);
    expect([bound.status, bound.body.token_type]).toEqual([200, 'DPoP']);
    expect(decodeJwt(bound.body.access_token).cnf).toEqual({ jkt: key.jkt });
    const replay = await tokenRequestWithProof(srv, access_token, proof);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_dpop_proof']);
  });
});

function tokenRequestWithProof(srv: TestServer, subjectToken: string, proof: string) {
  return tokenRequest(
    srv,
    {
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: FILES,
    },
    { authorization: MCP_SERVER_AUTH, dpop: proof },
  );
}

describe('DPoP with an ID-JAG (jwt-bearer grant)', () => {
  const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
  const SECRET = 'enterprise-agent-secret-0123456789-abcdef';
  let idp: EnterpriseIdp;
  beforeAll(async () => {
    idp = await EnterpriseIdp.start();
  });
  afterAll(() => idp?.close());
  const server = useServer(() => {
    const base = baseOptions();
    return {
      ...base,
      users: [{ ...USER, email_verified: true }],
      clients: [
        ...base.clients!,
        {
          client_id: 'agent',
          client_secret: SECRET,
          grant_types: [GRANT],
          scope: 'todos.read',
          dpop_bound_access_tokens: true,
        },
      ],
      enterprise: { idps: [{ issuer: idp.issuer, jwks_uri: idp.jwksUri, subject: 'email' as const }] },
    };
  });

  it('a client with dpop_bound_access_tokens gets its ID-JAG token bound, and nothing without a proof', async () => {
    const srv = server();
    const assertion = () =>
      idp.sign({
        audience: srv.issuer,
        clientId: 'agent',
        resource: RESOURCE,
        email: USER.email,
        scope: 'todos.read',
      });
    const auth = { authorization: basic('agent', SECRET) };
    const bare = await tokenRequest(srv, { grant_type: GRANT, assertion: await assertion() }, auth);
    expect([bare.status, bare.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const key = await dpopKey();
    const bound = await tokenRequest(
      srv,
      { grant_type: GRANT, assertion: await assertion() },
      { ...auth, dpop: await proofFor(srv, key) },
    );
    expect([bound.status, bound.body.token_type]).toEqual([200, 'DPoP']);
    expect(decodeJwt(bound.body.access_token).cnf).toEqual({ jkt: key.jkt });
  });
});
