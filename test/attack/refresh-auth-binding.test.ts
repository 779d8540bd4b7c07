import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationUrl, DocumentHost } from '../helpers/cimd.js';
import { type AssertionSigner, createSigner } from '../helpers/client-assertion.js';
import { baseOptions, RESOURCE, USER } from '../helpers/fixtures.js';
import { tokenRequest } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * A grant remembers how its client authenticated at the code exchange; a refresh must authenticate at
 * least as strongly (docs/cimd.md "Documents that offer several methods"). The client is ChatGPT's
 * generic CIMD shape: a document listing both `none` and `private_key_jwt`.
 */

const CLIENT_ID = 'https://tool.example.com/oauth/client.json';
const JWKS_URI = 'https://tool.example.com/oauth/jwks.json';
const REDIRECT = 'https://tool.example.com/cb';

describe('refresh: bound to the client authentication method of the grant', () => {
  let srv: TestServer;
  let signer: AssertionSigner;
  const host = new DocumentHost();
  beforeAll(async () => {
    signer = await createSigner('RS256');
    host.publish(CLIENT_ID, {
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
      jwks_uri: JWKS_URI,
    });
    host.documents.set(JWKS_URI, {
      body: { keys: [signer.jwk] },
      headers: { 'cache-control': 'max-age=600' },
    });
    srv = await startServer({ ...baseOptions(), cimd: { enabled: true, fetch: host.fetch } });
  });
  afterAll(() => srv?.close());

  const assertion = () => signer.params(CLIENT_ID, srv.issuer);
  const codeGrant = async (auth: Record<string, string>, resource = RESOURCE) => {
    const { url, verifier } = await authorizationUrl(srv.issuer, CLIENT_ID, REDIRECT);
    const { location } = await new UserAgent(srv.origin).authorize(url, USER);
    const response = await tokenRequest(srv, {
      grant_type: 'authorization_code',
      code: new URL(location!).searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      resource,
      client_id: CLIENT_ID,
      ...auth,
    });
    expect(response.status).toBe(200);
    return response.body as { refresh_token: string };
  };
  const refresh = (refreshToken: string, auth: Record<string, string>) =>
    tokenRequest(srv, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
      ...auth,
    });

  // The resource as registered, and in a non-canonical spelling (upper-case scheme, RFC 8707 §2.2
  // compares it canonically): the redemption records the method either way.
  it.each([
    ['the resource as registered', RESOURCE],
    ['the resource in a non-canonical spelling', RESOURCE.replace('http:', 'HTTP:')],
  ])(
    'a grant obtained with a private_key_jwt assertion (%s) is not refreshed without one (401 invalid_client), and nothing is revoked',
    async (_path, resource) => {
      const granted = await codeGrant(await assertion(), resource);
      const bare = await refresh(granted.refresh_token, {});
      expect([bare.status, bare.body.error]).toEqual([401, 'invalid_client']);
      expect(bare.headers.get('www-authenticate')).toMatch(/^Basic /);
      // The legitimate holder of the key still refreshes, and its successor stays key-bound.
      const keyed = await refresh(granted.refresh_token, await assertion());
      expect(keyed.status).toBe(200);
      const next = keyed.body.refresh_token as string;
      expect((await refresh(next, {})).status).toBe(401);
      expect((await refresh(next, await assertion())).status).toBe(200);
    },
  );

  it('a grant obtained with none (no assertion) refreshes with none, and with an assertion', async () => {
    const granted = await codeGrant({});
    const bare = await refresh(granted.refresh_token, {});
    expect(bare.status).toBe(200);
    const keyed = await refresh(bare.body.refresh_token as string, await assertion());
    expect(keyed.status).toBe(200);
  });
});
