import * as oauth from 'oauth4webapi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authorizationUrl } from '../../helpers/cimd.js';
import { type AssertionSigner, createSigner } from '../../helpers/client-assertion.js';
import { admin, adminToken, dcrOptions } from '../../helpers/dcr.js';
import { baseOptions, RESOURCE, USER } from '../../helpers/fixtures.js';
import { startHttpsServer } from '../../helpers/https.js';
import { decodeJwt, introspect, postForm, tokenRequest } from '../../helpers/oauth.js';
import { insecure } from '../../helpers/oauth4.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { UserAgent } from '../../helpers/user-agent.js';

/**
 * private_key_jwt (RFC 7523 §2.2, OIDC Core §9) over real HTTP, for each grant and for revocation and
 * introspection: a preregistered client with an inline key set, and CIMD clients whose documents (the
 * shapes ChatGPT publishes) point at a jwks_uri served over HTTPS by the test CA.
 */

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const srv = await startServer(...args);
  servers.push(srv);
  return srv;
}

/** Signs in, consents, and returns the code (the redirect is not followed). */
async function obtainCode(srv: TestServer, clientId: string, redirectUri: string) {
  const { url, verifier } = await authorizationUrl(srv.issuer, clientId, redirectUri);
  const { location, pages } = await new UserAgent(srv.origin).authorize(url, USER);
  if (!location) throw new Error(`no redirect: ${pages.at(-1)?.slice(0, 300)}`);
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error(`no code in ${location}`);
  return { code, verifier };
}

const KEYED = 'keyed-app';
const KEYED_REDIRECT = 'https://keyed.example/cb';

describe('private_key_jwt: a preregistered client with an inline key set', () => {
  let signer: AssertionSigner;
  beforeAll(async () => {
    signer = await createSigner('ES256');
  });
  const options = () => {
    const base = baseOptions();
    return {
      ...base,
      clients: [
        ...base.clients!,
        {
          client_id: KEYED,
          client_name: 'Keyed App',
          token_endpoint_auth_method: 'private_key_jwt' as const,
          jwks: { keys: [signer.jwk as Record<string, unknown>] },
          token_endpoint_auth_signing_alg: 'ES256',
          redirect_uris: [KEYED_REDIRECT],
          grant_types: [
            'authorization_code' as const,
            'refresh_token' as const,
            'client_credentials' as const,
          ],
          introspect: ['*'],
        },
      ],
    };
  };

  it('metadata lists private_key_jwt and only asymmetric signing algorithms, at the token, revocation and introspection endpoints', async () => {
    const srv = await serve(options());
    const metadata = (await (
      await fetch(`${srv.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, string[]>;
    for (const endpoint of ['token', 'revocation', 'introspection']) {
      expect(metadata[`${endpoint}_endpoint_auth_methods_supported`]).toContain('private_key_jwt');
      const algs = metadata[`${endpoint}_endpoint_auth_signing_alg_values_supported`]!;
      expect(algs).toEqual(expect.arrayContaining(['RS256', 'ES256', 'PS256', 'EdDSA']));
      expect(algs.some((a) => a === 'none' || a.startsWith('HS'))).toBe(false);
    }
  });

  it('authenticates the code exchange, the refresh, revocation and introspection with assertions whose aud is the issuer or the token endpoint', async () => {
    const srv = await serve(options());
    const tokenEndpoint = srv.gh.config.endpoints.token;
    const { code, verifier } = await obtainCode(srv, KEYED, KEYED_REDIRECT);
    const tokens = await tokenRequest(srv, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: KEYED_REDIRECT,
      ...(await signer.params(KEYED, srv.issuer)),
    });
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(decodeJwt(tokens.body.access_token).payload).toMatchObject({ client_id: KEYED, aud: RESOURCE });

    const refreshed = await tokenRequest(srv, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      ...(await signer.params(KEYED, tokenEndpoint)),
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);

    const active = await introspect(srv, refreshed.body.access_token, {});
    expect(active.status).toBe(401); // introspection needs client authentication
    const inspected = await postForm(srv.gh.config.endpoints.introspection, {
      token: refreshed.body.access_token,
      ...(await signer.params(KEYED, srv.issuer)),
    });
    expect(inspected.body).toMatchObject({ active: true, client_id: KEYED });

    const revoked = await postForm(srv.gh.config.endpoints.revocation, {
      token: refreshed.body.refresh_token,
      ...(await signer.params(KEYED, srv.issuer)),
    });
    expect(revoked.status).toBe(200);
    const after = await tokenRequest(srv, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token,
      ...(await signer.params(KEYED, srv.issuer)),
    });
    expect(after.body.error).toBe('invalid_grant');
  });

  it('issues client_credentials tokens to oauth4webapi authenticating with PrivateKeyJwt (MCP client-credentials extension)', async () => {
    const srv = await serve(options());
    const issuer = new URL(srv.issuer);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const client = { client_id: KEYED };
    const auth = oauth.PrivateKeyJwt({ key: signer.privateKey, kid: signer.kid });
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      new URLSearchParams({ resource: RESOURCE, scope: 'todos.read' }),
      insecure,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(decodeJwt(tokens.access_token).payload).toMatchObject({
      sub: KEYED,
      client_id: KEYED,
      aud: RESOURCE,
    });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('refuses the client without an assertion, with a client_secret, or with a Basic header', async () => {
    const srv = await serve(options());
    const form = { grant_type: 'client_credentials', resource: RESOURCE };
    const none = await tokenRequest(srv, { ...form, client_id: KEYED });
    expect([none.status, none.body.error]).toEqual([401, 'invalid_client']);
    const secret = await tokenRequest(srv, { ...form, client_id: KEYED, client_secret: 'x'.repeat(40) });
    expect([secret.status, secret.body.error]).toEqual([401, 'invalid_client']);
    const basic = await tokenRequest(srv, form, {
      authorization: `Basic ${Buffer.from(`${KEYED}:${'x'.repeat(40)}`).toString('base64')}`,
    });
    expect([basic.status, basic.body.error]).toEqual([401, 'invalid_client']);
    // Two methods at once is a malformed request (OAuth 2.1 §2.4).
    const both = await tokenRequest(srv, {
      ...form,
      ...(await signer.params(KEYED, srv.issuer)),
      client_secret: 'x'.repeat(40),
    });
    expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);
  });
});

describe('private_key_jwt: a preregistered client whose jwks_uri is in the configuration file', () => {
  it('fetches the operator-configured key set (a loopback host is allowed there) and caches it', async () => {
    const signer = await createSigner('RS256');
    let fetches = 0;
    const keys = await startHttpsServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
      res.end(JSON.stringify({ keys: [signer.jwk] }));
    });
    try {
      const base = baseOptions();
      const srv = await serve({
        ...base,
        singleInstance: 'the key set cache is per instance: each instance fetches the jwks_uri once',
        clients: [
          ...base.clients!,
          {
            client_id: 'batch-job',
            token_endpoint_auth_method: 'private_key_jwt',
            jwks_uri: `${keys.origin}/jwks.json`,
            grant_types: ['client_credentials'],
          },
        ],
      });
      for (let i = 0; i < 3; i++) {
        const response = await tokenRequest(srv, {
          grant_type: 'client_credentials',
          resource: RESOURCE,
          ...(await signer.params('batch-job', srv.issuer)),
        });
        expect(response.status, JSON.stringify(response.body)).toBe(200);
      }
      expect(fetches).toBe(1);
    } finally {
      await keys.close();
    }
  });
});

describe('private_key_jwt: CIMD documents with a jwks_uri over HTTPS (ChatGPT shapes)', () => {
  let signer: AssertionSigner;
  let host: Awaited<ReturnType<typeof startHttpsServer>>;
  const documents = new Map<string, unknown>();
  let jwks: unknown = { keys: [] };
  let jwksFetches = 0;

  beforeAll(async () => {
    signer = await createSigner('RS256', 'cimd-20260428030119');
    jwks = { keys: [signer.jwk] };
    host = await startHttpsServer((req, res) => {
      if (req.url === '/oauth/jwks.json') {
        jwksFetches++;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
        res.end(JSON.stringify(jwks));
        return;
      }
      const doc = documents.get(`${host.origin}${req.url}`);
      res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc ?? {}));
    });
  });
  afterAll(async () => {
    await host.close();
  });

  const REDIRECT = 'https://chatgpt.example/connector/oauth/abc123';
  /** ChatGPT's per-app document (Altinity/altinity-mcp#118): private_key_jwt, RS256, jwks_uri. */
  const perApp = (clientId: string) => ({
    client_id: clientId,
    client_uri: 'https://chatgpt.example/',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    client_name: 'ChatGPT',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS256',
    jwks_uri: `${host.origin}/oauth/jwks.json`,
  });
  /** ChatGPT's generic document (django-oauth-toolkit#1845): both none and private_key_jwt. */
  const generic = (clientId: string) => ({
    ...perApp(clientId),
    token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
  });
  const cimdServer = () => serve({ ...baseOptions(), cimd: { enabled: true, allowLoopback: true } });

  it('a per-app document: the code exchange and the refresh authenticate with an RS256 assertion; without one they are refused', async () => {
    const clientId = `${host.origin}/oauth/per-app/client.json`;
    documents.set(clientId, perApp(clientId));
    const srv = await cimdServer();
    const first = await obtainCode(srv, clientId, REDIRECT);
    const publicAttempt = await tokenRequest(srv, {
      grant_type: 'authorization_code',
      code: first.code,
      code_verifier: first.verifier,
      client_id: clientId,
      redirect_uri: REDIRECT,
    });
    expect([publicAttempt.status, publicAttempt.body.error]).toEqual([401, 'invalid_client']);

    const { code, verifier } = await obtainCode(srv, clientId, REDIRECT);
    const tokens = await tokenRequest(srv, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      ...(await signer.params(clientId, srv.issuer)),
    });
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    const refreshed = await tokenRequest(srv, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      ...(await signer.params(clientId, srv.gh.config.endpoints.token)),
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const stored = await srv.gh.store.getClient(clientId);
    expect(stored?.token_endpoint_auth_method).toBe('private_key_jwt');
  });

  it('a generic document listing none and private_key_jwt: no assertion is the public client (PKCE); an assertion presented must verify', async () => {
    const clientId = `${host.origin}/oauth/generic/client.json`;
    documents.set(clientId, generic(clientId));
    const srv = await cimdServer();
    const viaPkce = await obtainCode(srv, clientId, REDIRECT);
    const publicTokens = await tokenRequest(srv, {
      grant_type: 'authorization_code',
      code: viaPkce.code,
      code_verifier: viaPkce.verifier,
      client_id: clientId,
      redirect_uri: REDIRECT,
    });
    expect(publicTokens.status, JSON.stringify(publicTokens.body)).toBe(200);

    const other = await createSigner('RS256', signer.kid);
    const { code, verifier } = await obtainCode(srv, clientId, REDIRECT);
    const forged = await tokenRequest(srv, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      ...(await other.params(clientId, srv.issuer)),
    });
    expect([forged.status, forged.body.error]).toEqual([401, 'invalid_client']);
    const withKey = await tokenRequest(srv, {
      grant_type: 'refresh_token',
      refresh_token: publicTokens.body.refresh_token,
      ...(await signer.params(clientId, srv.issuer)),
    });
    expect(withKey.status, JSON.stringify(withKey.body)).toBe(200);
  });

  it('a key rotated at the jwks_uri is picked up by a re-fetch on the unknown kid once the cooldown has passed', async () => {
    let now = Date.now();
    const clientId = `${host.origin}/oauth/rotating/client.json`;
    documents.set(clientId, perApp(clientId));
    const srv = await serve({
      ...baseOptions(),
      cimd: { enabled: true, allowLoopback: true },
      clock: () => now,
      singleInstance:
        'the re-fetch cooldown is per instance: an instance that never fetched the key set fetches it',
    });
    const grant = async (s: AssertionSigner) =>
      tokenRequest(srv, {
        grant_type: 'authorization_code',
        ...(await obtainCode(srv, clientId, REDIRECT).then((c) => ({
          code: c.code,
          code_verifier: c.verifier,
        }))),
        redirect_uri: REDIRECT,
        ...(await s.params(clientId, srv.issuer)),
      });
    expect((await grant(signer)).status).toBe(200);
    const before = jwksFetches;
    const rotated = await createSigner('RS256', 'cimd-rotated');
    jwks = { keys: [signer.jwk, rotated.jwk] };
    try {
      // Within a minute of the last fetch, an unknown kid does not reach the host again.
      expect((await grant(rotated)).status).toBe(401);
      expect(jwksFetches).toBe(before);
      now += 61_000;
      expect((await grant(rotated)).status).toBe(200);
      expect(jwksFetches).toBe(before + 1);
    } finally {
      jwks = { keys: [signer.jwk] };
    }
  });
});

describe('private_key_jwt: clients created and re-keyed through the admin API', () => {
  it('creates a key client, refuses private keys and private jwks_uris, and a PATCH of jwks rotates its key', async () => {
    const first = await createSigner('ES256');
    const second = await createSigner('ES256');
    const srv = await serve((origin) => dcrOptions({}, origin));
    const call = admin(srv.issuer, await adminToken(srv.issuer));
    const created = await call('POST', 'clients', {
      client_id: 'agent-1',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [first.jwk] },
      token_endpoint_auth_signing_alg: 'ES256',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).not.toHaveProperty('client_secret');
    expect((created.body.client as { metadata: Record<string, unknown> }).metadata.clientKeys).toMatchObject({
      jwks: { keys: [{ kid: first.kid }] },
      token_endpoint_auth_signing_alg: 'ES256',
    });
    const grant = async (s: AssertionSigner) =>
      tokenRequest(srv, {
        grant_type: 'client_credentials',
        resource: RESOURCE,
        ...(await s.params('agent-1', srv.issuer)),
      });
    expect((await grant(first)).status).toBe(200);
    expect((await grant(second)).status).toBe(401);

    const rekeyed = await call('PATCH', 'clients/agent-1', { jwks: { keys: [second.jwk] } });
    expect(rekeyed.status, JSON.stringify(rekeyed.body)).toBe(200);
    expect((await grant(second)).status).toBe(200);
    expect((await grant(first)).status).toBe(401);

    const privateKey = await call('POST', 'clients', {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...first.jwk, d: 'secret' }] },
    });
    expect([privateKey.status, privateKey.body.error]).toEqual([400, 'invalid_client_metadata']);
    const internal = await call('POST', 'clients', {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: 'https://169.254.169.254/keys.json',
    });
    expect([internal.status, internal.body.error]).toEqual([400, 'invalid_client_metadata']);
    const rotate = await call('POST', 'clients/agent-1/rotate-secret');
    expect(rotate.status).toBe(400);
  });
});
