import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { USER } from '../helpers/fixtures.js';
import {
  authorize,
  baseOptions,
  basic,
  CONFIDENTIAL_SECRET,
  corsPreflight,
  decodeJwt,
  fakeClock,
  MACHINE_AUTH,
  MACHINE_SECRET,
  NATIVE_REDIRECT,
  POST_REDIRECT,
  postForm,
  RESOURCE,
  redeem,
  tokenRequest,
  useServer,
  WEB_AUTH,
  WEB_REDIRECT,
} from '../helpers/oauth.js';
import { UserAgent } from '../helpers/user-agent.js';

/** OAuth 2.1 §3.2 (token endpoint), §4.1.3, §4.2; RFC 6749 §4.4.3. The refresh grant (§4.3) is in oauth21-refresh.test.ts. */

const options = () => {
  const o = baseOptions();
  o.clients = [
    ...(o.clients ?? []),
    {
      client_id: 'batch-post',
      client_secret: MACHINE_SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
    },
  ];
  return o;
};

describe('OAuth 2.1 token endpoint — general (§3.2)', () => {
  const srv = useServer(options);

  it('GET on the token endpoint is not allowed (405)', async () => {
    const response = await fetch(srv().gh.config.endpoints.token);
    expect(response.status).toBe(405);
  });

  it('a JSON body is refused with 400 invalid_request and no-store', async () => {
    const response = await fetch(srv().gh.config.endpoints.token, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: MACHINE_AUTH },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await response.json()).error).toBe('invalid_request');
  });

  it('a repeated grant_type is refused with invalid_request', async () => {
    const r = await tokenRequest(
      srv(),
      { grant_type: ['client_credentials', 'client_credentials'] },
      { authorization: MACHINE_AUTH },
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_request');
  });

  it('unknown parameters are ignored', async () => {
    const r = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', foo: 'bar' },
      { authorization: MACHINE_AUTH },
    );
    expect(r.status).toBe(200);
  });

  it('grant_type=password is unsupported_grant_type', async () => {
    const r = await tokenRequest(
      srv(),
      { grant_type: 'password', username: USER.email, password: USER.password },
      { authorization: MACHINE_AUTH },
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unsupported_grant_type');
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('the jwt-bearer grant with no enterprise IdP trusted is unsupported_grant_type, as the metadata says', async () => {
    const metadata = await (await fetch(`${srv().origin}/.well-known/oauth-authorization-server`)).json();
    expect(metadata.grant_types_supported).not.toContain('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const r = await tokenRequest(
      srv(),
      { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: 'a.b.c' },
      { authorization: MACHINE_AUTH },
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unsupported_grant_type');
  });

  it('a grant the client is not registered for is unauthorized_client', async () => {
    const r = await tokenRequest(srv(), { grant_type: 'client_credentials', client_id: 'native-app' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unauthorized_client');
    const m = await tokenRequest(
      srv(),
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { authorization: MACHINE_AUTH },
    );
    expect(m.body.error).toBe('unauthorized_client');
  });

  it('a confidential client sending no credentials is invalid_client (401)', async () => {
    const r = await tokenRequest(srv(), { grant_type: 'client_credentials', client_id: 'machine' });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
  });

  it('wrong Basic credentials are 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const r = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials' },
      { authorization: basic('machine', 'wrong') },
    );
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('two authentication methods in one request (Basic and client_secret) are invalid_request', async () => {
    const r = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', client_id: 'machine', client_secret: MACHINE_SECRET },
      { authorization: MACHINE_AUTH },
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_request');
  });

  it('a public client must send client_id', async () => {
    const auth = await authorize(srv());
    const r = await redeem(srv(), auth, { client_id: undefined });
    expect([400, 401]).toContain(r.status);
    expect(['invalid_request', 'invalid_client']).toContain(r.body.error);
  });

  it('the token endpoint answers a CORS preflight allowing POST with content-type and authorization, never * with credentials', async () => {
    const preflight = await corsPreflight(
      srv().gh.config.endpoints.token,
      'POST',
      'content-type, authorization',
    );
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase();
    expect(allowed).toContain('content-type');
    expect(allowed).toContain('authorization');
    const actual = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials' },
      { authorization: MACHINE_AUTH, origin: 'https://client.test' },
    );
    const origin = actual.headers.get('access-control-allow-origin');
    expect(origin).toBeTruthy();
    if (origin === '*') expect(actual.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('client_credentials grant (OAuth 2.1 §4.2)', () => {
  const srv = useServer(options);

  it('client_credentials issues a Bearer token with no-store and no refresh token to a client_secret_basic client', async () => {
    const r = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', resource: RESOURCE },
      { authorization: MACHINE_AUTH },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({ token_type: 'Bearer', scope: 'todos.read' });
    expect(r.body.expires_in).toBeGreaterThan(0);
    expect(r.body.expires_in).toBeLessThanOrEqual(3600);
    expect(r.body).not.toHaveProperty('refresh_token');
    const { payload } = decodeJwt(r.body.access_token);
    expect(payload).toMatchObject({ aud: RESOURCE, client_id: 'machine', sub: 'machine' });
  });

  it('client_credentials issues a token to a client_secret_post client', async () => {
    const r = await tokenRequest(srv(), {
      grant_type: 'client_credentials',
      client_id: 'batch-post',
      client_secret: MACHINE_SECRET,
    });
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty('refresh_token');
  });

  it('client_credentials narrows scopes to what the client may have; an unknown scope is invalid_scope', async () => {
    const narrowed = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', scope: 'todos.read todos.write' },
      { authorization: MACHINE_AUTH },
    );
    expect(narrowed.body.scope).toBe('todos.read');
    const unknown = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', scope: 'admin' },
      { authorization: MACHINE_AUTH },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_scope');
  });

  it('client_credentials works with openid-client as a third-party client (clientCredentialsGrant)', async () => {
    const config = await client.discovery(
      new URL(srv().issuer),
      'machine',
      undefined,
      client.ClientSecretBasic(MACHINE_SECRET),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const tokens = await client.clientCredentialsGrant(config, { resource: RESOURCE, scope: 'todos.read' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toBeUndefined();
    expect(decodeJwt(tokens.access_token).payload.aud).toBe(RESOURCE);
  });
});

describe('authorization_code grant (OAuth 2.1 §4.1.3)', () => {
  const srv = useServer(options);

  it('a code redemption returns access_token, token_type Bearer, expires_in, scope and refresh_token with no-store', async () => {
    const auth = await authorize(srv());
    const r = await redeem(srv(), auth);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({ token_type: 'Bearer', scope: 'todos.read todos.write' });
    expect(r.body.access_token).toEqual(expect.any(String));
    expect(r.body.refresh_token).toMatch(/^ghr_/);
    expect(r.body.expires_in).toBeLessThanOrEqual(3600);
  });

  it('a redirect_uri that differs from the authorization request is invalid_grant', async () => {
    const auth = await authorize(srv());
    const r = await redeem(srv(), auth, { redirect_uri: 'http://127.0.0.1:5556/callback' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_grant');
  });

  it('a redirect_uri equal to the authorization request is accepted', async () => {
    const auth = await authorize(srv());
    expect((await redeem(srv(), auth, { redirect_uri: NATIVE_REDIRECT })).status).toBe(200);
  });

  it('an OAuth 2.1 client may omit redirect_uri at the token request when PKCE binds the code', async () => {
    const auth = await authorize(srv());
    const r = await redeem(srv(), auth, { redirect_uri: undefined });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });

  it('without PKCE, a redirect_uri sent at authorization is required at the token request (RFC 6749 §4.1.3)', async () => {
    const auth = await authorize(srv(), {
      client_id: 'web-app',
      redirect_uri: WEB_REDIRECT,
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    const omitted = await redeem(
      srv(),
      auth,
      { client_id: undefined, code_verifier: undefined, redirect_uri: undefined },
      { authorization: WEB_AUTH },
    );
    expect(omitted.status).toBe(400);
    expect(omitted.body.error).toBe('invalid_grant');
  });

  it('a code of another client is invalid_grant', async () => {
    const auth = await authorize(srv(), { client_id: 'post-app', redirect_uri: POST_REDIRECT });
    const r = await redeem(srv(), auth, { redirect_uri: POST_REDIRECT });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_grant');
  });

  it('a client_secret_post client redeems with its secret in the body', async () => {
    const auth = await authorize(srv(), { client_id: 'post-app', redirect_uri: POST_REDIRECT });
    const r = await redeem(srv(), auth, {
      client_id: 'post-app',
      client_secret: CONFIDENTIAL_SECRET,
      redirect_uri: POST_REDIRECT,
    });
    expect(r.status).toBe(200);
  });

  it('the confidential web-app flow runs end to end with openid-client (PKCE, iss check, Basic, refresh)', async () => {
    const config = await client.discovery(
      new URL(srv().issuer),
      'web-app',
      undefined,
      client.ClientSecretBasic(CONFIDENTIAL_SECRET),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: WEB_REDIRECT,
      scope: 'todos.read',
      resource: RESOURCE,
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { location } = await new UserAgent(srv().origin).authorize(url.href, USER);
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(location!),
      { pkceCodeVerifier: verifier, expectedState: state },
      { resource: RESOURCE },
    );
    expect(tokens.scope).toBe('todos.read');
    expect(decodeJwt(tokens.access_token).payload).toMatchObject({ aud: RESOURCE, client_id: 'web-app' });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, { resource: RESOURCE });
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  });
});

describe('the token endpoint answers errors with the exact status codes', () => {
  const srv = useServer(options);

  it('an unknown code is 400 invalid_grant; a missing code is 400 invalid_request', async () => {
    const unknown = await postForm(srv().gh.config.endpoints.token, {
      grant_type: 'authorization_code',
      code: 'ghc_nope',
      client_id: 'native-app',
      code_verifier: 'a'.repeat(43),
    });
    expect([unknown.status, unknown.body.error]).toEqual([400, 'invalid_grant']);
    const missing = await tokenRequest(srv(), { grant_type: 'authorization_code', client_id: 'native-app' });
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
  });

  it('a missing grant_type is 400 invalid_request', async () => {
    const r = await tokenRequest(srv(), { client_id: 'native-app' });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
  });
});

describe('authorization code expiry, on a fake clock', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({ ...options(), clock: clock.now }));

  it('an authorization code is invalid_grant once its lifetime (60 s) has passed', async () => {
    const auth = await authorize(srv());
    clock.advance(61_000);
    const r = await redeem(srv(), auth);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_grant');
  });
});
