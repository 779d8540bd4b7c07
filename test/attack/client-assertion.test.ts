import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeFetch, type Resolver } from '../../src/lanes/cimd/fetcher.js';
import { authorizationUrl, DocumentHost } from '../helpers/cimd.js';
import { type AssertionSigner, createSigner, forgedAssertions } from '../helpers/client-assertion.js';
import { baseOptions, RESOURCE, USER } from '../helpers/fixtures.js';
import { startHttpsServer } from '../helpers/https.js';
import { tokenRequest, useServer } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * Hostile private_key_jwt client assertions (RFC 7523 §3; OIDC Core §9; checklist §4 attacks 25–27),
 * black-box at the token endpoint: each is 401 invalid_client (a malformed request is 400).
 */

const KEYED = 'keyed-machine';
let signer: AssertionSigner;
beforeAll(async () => {
  signer = await createSigner('RS256');
});

const keyedOptions = () => {
  const base = baseOptions();
  return {
    ...base,
    clients: [
      ...base.clients!,
      {
        client_id: KEYED,
        token_endpoint_auth_method: 'private_key_jwt' as const,
        jwks: { keys: [signer.jwk as Record<string, unknown>] },
        grant_types: ['client_credentials' as const],
      },
    ],
  };
};

const expectInvalidClient = (response: { status: number; body: { error?: string } }, what: string) =>
  expect([response.status, response.body.error], what).toEqual([401, 'invalid_client']);

describe('private_key_jwt: forged, replayed and mis-addressed assertions', () => {
  const srv = useServer(keyedOptions);
  const grant = (params: Record<string, string>) =>
    tokenRequest(srv(), { grant_type: 'client_credentials', resource: RESOURCE, ...params });

  it('a replayed jti is refused: the same assertion works once, then 401', async () => {
    const params = await signer.params(KEYED, srv().issuer);
    expect((await grant(params)).status).toBe(200);
    expectInvalidClient(await grant(params), 'replay');
    // The cache is keyed by jti, not by the assertion's bytes: a freshly signed reuse is refused too.
    const fresh = await signer.params(KEYED, srv().issuer, { jti: 'fixed-jti' });
    expect((await grant(fresh)).status).toBe(200);
    const again = await signer.params(KEYED, srv().issuer, { jti: 'fixed-jti' });
    expectInvalidClient(await grant(again), 'a new assertion reusing a jti');
  });

  it.each([
    ['another server as aud', { aud: 'https://other.test' }],
    ['the revocation endpoint as aud', { aud: 'REVOKE' }],
    ['iss different from sub', { iss: 'someone-else' }],
    ['sub naming another client', { sub: 'machine' }],
    ['an expired assertion', { exp: Math.floor(Date.now() / 1000) - 120 }],
    ['exp an hour away', { exp: Math.floor(Date.now() / 1000) + 3600 }],
    ['no exp', { exp: undefined }],
    ['no jti', { jti: undefined }],
    ['nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 600 }],
  ])('%s is refused', async (what, claims) => {
    const fixed = { ...claims } as Record<string, unknown>;
    if (fixed.aud === 'REVOKE') fixed.aud = srv().gh.config.endpoints.revocation;
    const assertion = await signer.sign(KEYED, srv().issuer, fixed);
    expectInvalidClient(
      await grant({
        client_id: KEYED,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
      what,
    );
  });

  it('alg none and HS256 keyed with the public key (algorithm confusion) are refused', async () => {
    const { none, hs256 } = await forgedAssertions(signer, KEYED, srv().issuer);
    for (const [what, assertion] of [
      ['none', none],
      ['HS256', hs256],
    ] as const) {
      const response = await grant({
        client_id: KEYED,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
      expectInvalidClient(response, what);
      expect(response.body.error_description).toMatch(/alg/);
    }
  });

  it('an assertion signed by another key, an access token as assertion, and a wrong assertion type are refused', async () => {
    const other = await createSigner('RS256', signer.kid);
    expectInvalidClient(await grant(await other.params(KEYED, srv().issuer)), 'other key');
    expectInvalidClient(
      await grant(await signer.params(KEYED, srv().issuer, {}, { typ: 'at+jwt' })),
      'at+jwt',
    );
    const wrongType = await signer.params(KEYED, srv().issuer);
    wrongType.client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer';
    expectInvalidClient(await grant(wrongType), 'saml2 type');
  });

  it('an assertion whose subject holds a NUL, a newline or 2,500 characters (and no client_id) is 401, never a 500', async () => {
    for (const sub of [`${KEYED}\u0000`, `${KEYED}\n`, 'x'.repeat(2500)]) {
      const response = await grant({
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await signer.sign(sub, srv().issuer),
      });
      expectInvalidClient(response, JSON.stringify(sub.slice(0, 20)));
    }
  });

  it('an over-long assertion is refused before it is parsed', async () => {
    const response = await grant({
      client_id: KEYED,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'a'.repeat(9000),
    });
    expect([response.status, response.body.error]).toEqual([400, 'invalid_request']);
  });
});

const CIMD_ID = 'https://tool.example.com/oauth/client.json';
const JWKS_URI = 'https://tool.example.com/oauth/jwks.json';
const REDIRECT = 'https://tool.example.com/cb';

async function codeFor(srv: TestServer, clientId = CIMD_ID) {
  const { url, verifier } = await authorizationUrl(srv.issuer, clientId, REDIRECT);
  const { location } = await new UserAgent(srv.origin).authorize(url, USER);
  return { code: new URL(location!).searchParams.get('code')!, code_verifier: verifier };
}

describe('private_key_jwt: CIMD clients', () => {
  let srv: TestServer;
  const host = new DocumentHost();
  beforeAll(async () => {
    host.publish(CIMD_ID, {
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: JWKS_URI,
    });
    host.documents.set(JWKS_URI, {
      body: { keys: [signer.jwk] },
      headers: { 'cache-control': 'max-age=600' },
    });
    srv = await startServer({
      ...baseOptions(),
      cimd: { enabled: true, fetch: host.fetch },
      // Every refused assertion below must reach the verifier, not the per-address failure limit.
      maxCredentialFailuresPerMinute: 1_000_000,
    });
  });
  afterAll(() => srv.close());

  const exchange = async (auth: Record<string, string>, headers: Record<string, string> = {}) =>
    tokenRequest(
      srv,
      { grant_type: 'authorization_code', redirect_uri: REDIRECT, ...(await codeFor(srv)), ...auth },
      headers,
    );

  it('a client presenting none when its document lists only private_key_jwt is refused', async () => {
    expectInvalidClient(await exchange({ client_id: CIMD_ID }), 'none');
  });

  it('a secret-based method for a CIMD client is refused (client_secret_post and Basic)', async () => {
    expectInvalidClient(await exchange({ client_id: CIMD_ID, client_secret: 'x'.repeat(40) }), 'post');
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(CIMD_ID)}:${'x'.repeat(40)}`).toString('base64')}`;
    expectInvalidClient(await exchange({}, { authorization: basic }), 'basic');
    expect((await exchange(await signer.params(CIMD_ID, srv.issuer))).status).toBe(200);
  });

  it('1,000 assertions with random kids cost at most one key-set fetch per cooldown (no fetch storm)', async () => {
    // The first valid request fetched the key set already (or does now).
    expect((await exchange(await signer.params(CIMD_ID, srv.issuer))).status).toBe(200);
    const before = host.count(JWKS_URI);
    for (let batch = 0; batch < 20; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 50 }, async () =>
          tokenRequest(srv, {
            grant_type: 'authorization_code',
            code: 'x',
            ...(await signer.params(CIMD_ID, srv.issuer, {}, { kid: crypto.randomUUID() })),
          }),
        ),
      );
      for (const r of responses) expectInvalidClient(r, 'random kid');
    }
    expect(host.count(JWKS_URI) - before).toBeLessThanOrEqual(1);
    // The real key still works afterwards.
    expect((await exchange(await signer.params(CIMD_ID, srv.issuer))).status).toBe(200);
  });

  it.each([
    ['declares private_key_jwt with no keys', { token_endpoint_auth_method: 'private_key_jwt' }, /jwks/],
    [
      'publishes a private key',
      {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] },
      },
      /private key/,
    ],
    [
      'a symmetric key',
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', alg: 'HS256' }] } },
      /RSA, EC or OKP/,
    ],
    [
      'a jwks_uri on a private IP literal',
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://169.254.169.254/jwks.json' },
      /jwks_uri/,
    ],
    [
      'an http jwks_uri',
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://tool.example.com/jwks.json' },
      /jwks_uri/,
    ],
    [
      'an HS256 signing alg',
      {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: JWKS_URI,
        token_endpoint_auth_signing_alg: 'HS256',
      },
      /signing_alg/,
    ],
  ])(
    'a document that %s is refused at /authorize with a page naming the problem',
    async (_what, extra, reason) => {
      const id = `https://tool.example.com/bad/${crypto.randomUUID()}.json`;
      host.publish(id, { redirect_uris: [REDIRECT], ...extra });
      const { url } = await authorizationUrl(srv.issuer, id, REDIRECT);
      const page = await fetch(url, { redirect: 'manual' });
      expect(page.status).toBe(400);
      expect(page.headers.get('location')).toBeNull();
      expect(await page.text()).toMatch(reason);
    },
  );
});

describe('private_key_jwt: a CIMD jwks_uri that resolves to a private address', () => {
  it('is refused with zero connections (the SSRF-safe fetcher filters every URL in a document)', async () => {
    let connections = 0;
    const keys = await startHttpsServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [signer.jwk] }));
    });
    const countingBefore = keys.connections();
    // The attacker's DNS answers loopback and cloud-metadata addresses for public-looking names.
    const resolver: Resolver = (hostname, _options, callback) => {
      const address = hostname === 'keys.attacker.example' ? '127.0.0.1' : '169.254.169.254';
      callback(null, [{ address, family: 4 } as LookupAddress]);
    };
    const safe = createSafeFetch({ allowLoopback: false, connectTimeoutMs: 1000, timeoutMs: 1500, resolver });
    const host = new DocumentHost();
    const id = 'https://tool.example.com/ssrf/client.json';
    host.publish(id, {
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: `https://keys.attacker.example:${keys.port}/jwks.json`,
    });
    // The document comes from the in-memory host; every other URL goes through the real fetcher.
    const fetch = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => {
      if (url === id) return host.fetch(url, init);
      connections++;
      return safe(url, init);
    };
    const srv = await startServer({ ...baseOptions(), cimd: { enabled: true, fetch } });
    try {
      const response = await tokenRequest(srv, {
        grant_type: 'authorization_code',
        redirect_uri: REDIRECT,
        ...(await codeFor(srv, id)),
        ...(await signer.params(id, srv.issuer)),
      });
      expectInvalidClient(response, 'private jwks_uri');
      expect(connections).toBe(1); // asked once …
      expect(keys.connections()).toBe(countingBefore); // … and refused before connecting
    } finally {
      await srv.close();
      await keys.close();
    }
  });
});
