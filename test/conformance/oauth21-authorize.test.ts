import { describe, expect, it } from 'vitest';
import {
  authorize,
  authorizeUrl,
  baseOptions,
  expectErrorPage,
  get,
  NATIVE_REDIRECT,
  obtainTokens,
  POST_REDIRECT,
  pkce,
  query,
  redeem,
  signedInAgent,
  useServer,
  WEB_AUTH,
  WEB_REDIRECT,
} from '../helpers/oauth.js';

/** OAuth 2.1 §3.1, §4.1 (authorization endpoint), §2.3 (redirect URIs), §4.1.2.1 / RFC 7636 (PKCE). */

const options = () => {
  const o = baseOptions();
  o.clients = [
    ...(o.clients ?? []),
    {
      client_id: 'narrow-app',
      client_name: 'Narrow App',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      scope: 'todos.read',
      first_party: true,
    },
  ];
  return o;
};

describe('OAuth 2.1 authorization endpoint (§3.1, §4.1)', () => {
  const srv = useServer(options);

  describe('requests and responses', () => {
    it('a valid request without a sign-in session is sent to the sign-in page on the server, not to the client', async () => {
      const { url } = authorizeUrl(srv());
      const response = await get(url);
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!, srv().origin);
      expect(location.origin).toBe(srv().origin);
      expect(location.pathname).toBe('/login');
    });

    it('an error that would be redirected is held until the user has signed in (no open redirector)', async () => {
      const { url } = authorizeUrl(srv(), { scope: 'nope' });
      const response = await get(url);
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!, srv().origin);
      expect(location.origin).toBe(srv().origin);
      expect(location.pathname).toBe('/login');
    });

    it('the success redirect carries the code, the exact state and iss equal to the issuer', async () => {
      const state = 'st/a te+?&=%é😀';
      const result = await authorize(srv(), { state });
      const params = query(result.location);
      expect(result.location.href.startsWith(`${NATIVE_REDIRECT}?`)).toBe(true);
      expect(params.code).toMatch(/^ghc_/);
      expect(params.state).toBe(state);
      expect(params.iss).toBe(srv().issuer);
      expect(result.location.hash).toBe('');
    });

    it('unrecognised parameters are ignored', async () => {
      const result = await authorize(srv(), { foo: 'bar', 'x-unknown': '1' });
      expect(result.code).toBeTruthy();
    });

    it('the registered redirect URI query is kept and no fragment is added', async () => {
      const redirect = 'https://app.example/cb?x=1';
      const result = await authorize(srv(), { client_id: 'web-app', redirect_uri: redirect });
      expect(result.location.href.startsWith(`${redirect}&code=`)).toBe(true);
      expect(result.location.searchParams.get('x')).toBe('1');
      expect(result.location.hash).toBe('');
    });

    it('does not answer cross-origin requests with CORS headers', async () => {
      const { url } = authorizeUrl(srv());
      const response = await get(url, { origin: 'https://evil.test' });
      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' },
      });
      for (const r of [response, preflight]) {
        for (const name of r.headers.keys()) expect(name.startsWith('access-control-')).toBe(false);
      }
    });
  });

  describe('errors', () => {
    it('a missing client_id is shown as an error page and never redirected', async () => {
      await expectErrorPage(await get(authorizeUrl(srv(), { client_id: undefined }).url));
    });

    it('an unknown client_id is shown as an error page and never redirected', async () => {
      await expectErrorPage(await get(authorizeUrl(srv(), { client_id: 'nobody' }).url));
    });

    it('an unregistered redirect_uri is shown as an error page and never redirected', async () => {
      await expectErrorPage(
        await get(authorizeUrl(srv(), { redirect_uri: 'https://evil.test/callback' }).url),
      );
    });

    it('a repeated client_id or redirect_uri is shown as an error page and never redirected', async () => {
      await expectErrorPage(await get(authorizeUrl(srv(), { client_id: ['native-app', 'native-app'] }).url));
      await expectErrorPage(
        await get(authorizeUrl(srv(), { redirect_uri: [NATIVE_REDIRECT, NATIVE_REDIRECT] }).url),
      );
    });

    it('a repeated state is redirected as invalid_request with iss', async () => {
      const result = await authorize(srv(), { state: ['a', 'b'] });
      expect(query(result.location)).toMatchObject({ error: 'invalid_request', iss: srv().issuer });
      expect(result.code).toBeNull();
    });

    it('another repeated parameter (code_challenge) is redirected as invalid_request with state and iss', async () => {
      const result = await authorize(srv(), { code_challenge: ['a'.repeat(43), 'b'.repeat(43)] });
      expect(query(result.location)).toMatchObject({
        error: 'invalid_request',
        state: result.state,
        iss: srv().issuer,
      });
    });

    it('response_type=token is redirected as unsupported_response_type with state and iss', async () => {
      const result = await authorize(srv(), { response_type: 'token' });
      expect(query(result.location)).toMatchObject({
        error: 'unsupported_response_type',
        state: result.state,
        iss: srv().issuer,
      });
      expect(result.location.hash).toBe('');
    });

    it('a missing response_type is redirected as invalid_request', async () => {
      const result = await authorize(srv(), { response_type: undefined });
      expect(query(result.location)).toMatchObject({ error: 'invalid_request', state: result.state });
    });

    it('an unknown scope is redirected as invalid_scope with state and iss', async () => {
      const result = await authorize(srv(), { scope: 'nope', state: 'xyz' });
      const params = query(result.location);
      expect(params).toMatchObject({ error: 'invalid_scope', state: 'xyz', iss: srv().issuer });
      // RFC 6749 §4.1.2.1 / OAuth 2.1 §4.1.2.1: error values are %x20-21 / %x23-5B / %x5D-7E only.
      expect(params.error).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
      expect(params.error_description ?? '').toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
    });

    it('the user denying consent is redirected as access_denied with state and iss', async () => {
      // A port never approved before, so the consent page is shown (consent is per exact redirect URI).
      const result = await authorize(
        srv(),
        { redirect_uri: 'http://127.0.0.1:40404/callback' },
        { decision: 'deny' },
      );
      expect(query(result.location)).toMatchObject({
        error: 'access_denied',
        state: result.state,
        iss: srv().issuer,
      });
    });
  });

  describe('scope (RFC 6749 §3.3)', () => {
    it('an omitted scope is granted the resource default scopes, shown in the token response', async () => {
      const tokens = await obtainTokens(srv(), { scope: undefined });
      expect(tokens.scope).toBe('todos.read todos.write');
    });

    it('an empty scope parameter is treated as omitted', async () => {
      const tokens = await obtainTokens(srv(), { scope: '' });
      expect(tokens.scope).toBe('todos.read todos.write');
    });

    it('scopes the client is not allowed are dropped (narrowed), and the token response shows the result', async () => {
      const tokens = await obtainTokens(srv(), { client_id: 'narrow-app', scope: 'todos.read todos.write' });
      expect(tokens.scope).toBe('todos.read');
    });

    it('a client asking only for scopes it may not have is refused with invalid_scope', async () => {
      const result = await authorize(srv(), { client_id: 'narrow-app', scope: 'todos.write' });
      expect(query(result.location)).toMatchObject({ error: 'invalid_scope', state: result.state });
    });
  });

  describe('prompt (OIDC Core §3.1.2.1)', () => {
    it('prompt=none without a session redirects login_required with state and iss, showing no page', async () => {
      const response = await get(authorizeUrl(srv(), { prompt: 'none', state: 's1' }).url);
      expect(response.status).toBe(302);
      expect(query(response.headers.get('location')!)).toMatchObject({
        error: 'login_required',
        state: 's1',
        iss: srv().issuer,
      });
    });

    it('prompt=none for a signed-in user who has not consented redirects consent_required', async () => {
      const agent = await signedInAgent(srv());
      const response = await agent.request(
        authorizeUrl(srv(), { prompt: 'none', redirect_uri: 'http://127.0.0.1:4999/callback' }).url,
      );
      expect(response.status).toBe(302);
      expect(query(response.headers.get('location')!).error).toBe('consent_required');
    });

    it('prompt=none after consent returns a code without showing any page', async () => {
      const first = await authorize(srv());
      const response = await first.agent.request(authorizeUrl(srv(), { prompt: 'none' }).url);
      expect(response.status).toBe(302);
      expect(query(response.headers.get('location')!).code).toMatch(/^ghc_/);
    });

    it('prompt=login asks a signed-in user to sign in again', async () => {
      const first = await authorize(srv());
      const again = await authorize(srv(), { prompt: 'login' }, { agent: first.agent });
      expect(again.pages.some((p) => p.includes('name="password"'))).toBe(true);
      expect(again.code).toBeTruthy();
    });

    it('prompt=consent shows the consent page even to a first-party client', async () => {
      const plain = await authorize(srv(), { client_id: 'post-app', redirect_uri: POST_REDIRECT });
      expect(plain.pages.some((p) => p.includes('name="decision"'))).toBe(false);
      const asked = await authorize(srv(), {
        client_id: 'post-app',
        redirect_uri: POST_REDIRECT,
        prompt: 'consent',
      });
      expect(asked.pages.some((p) => p.includes('name="decision"'))).toBe(true);
    });

    it('an unsupported prompt value is redirected as invalid_request', async () => {
      const result = await authorize(srv(), { prompt: 'select_account' });
      expect(query(result.location).error).toBe('invalid_request');
    });
  });

  describe('consent for public clients (OAuth 2.1 §7.3.1, RFC 8252 §8.6)', () => {
    it('a public client on a new loopback port is asked for consent again', async () => {
      const first = await authorize(srv(), { redirect_uri: 'http://127.0.0.1:41001/callback' });
      expect(first.pages.some((p) => p.includes('name="decision"'))).toBe(true);
      const same = await authorize(
        srv(),
        { redirect_uri: 'http://127.0.0.1:41001/callback' },
        { agent: first.agent },
      );
      expect(same.pages.some((p) => p.includes('name="decision"'))).toBe(false);
      const moved = await authorize(
        srv(),
        { redirect_uri: 'http://127.0.0.1:41002/callback' },
        { agent: first.agent },
      );
      expect(moved.pages.some((p) => p.includes('name="decision"'))).toBe(true);
    });
  });
});

describe('OAuth 2.1 redirect URI rules (§2.3, §4.1.1, §8.4.2)', () => {
  const srv = useServer(options);

  it('a loopback redirect URI matches on any port', async () => {
    for (const port of [1, 49152, 65535]) {
      const result = await authorize(srv(), { redirect_uri: `http://127.0.0.1:${port}/callback` });
      expect(result.location.origin).toBe(`http://127.0.0.1:${port}`);
      expect(result.code).toBeTruthy();
    }
  });

  it('a loopback redirect URI still needs the exact scheme, host and path', async () => {
    for (const uri of [
      'http://127.0.0.1:49152/callback2',
      'http://127.0.0.1:49152/Callback',
      'http://127.0.0.2:49152/callback',
      'http://localhost.evil.test:49152/callback',
      'https://127.0.0.1:49152/callback',
      'http://127.0.0.1:49152/callback?x=1',
    ]) {
      await expectErrorPage(await get(authorizeUrl(srv(), { redirect_uri: uri }).url));
    }
  });

  it('redirect_uri may be omitted when exactly one is registered, and the code goes there', async () => {
    const result = await authorize(srv(), { redirect_uri: undefined });
    expect(result.location.href.startsWith('http://127.0.0.1/callback?')).toBe(true);
    // The token request then omits it too.
    const response = await redeem(srv(), result, { redirect_uri: undefined });
    expect(response.status).toBe(200);
  });

  it('redirect_uri must be sent when several are registered (error page)', async () => {
    await expectErrorPage(
      await get(authorizeUrl(srv(), { client_id: 'web-app', redirect_uri: undefined }).url),
    );
  });

  it('a client with no registered redirect URI cannot use the authorization endpoint', async () => {
    await expectErrorPage(
      await get(authorizeUrl(srv(), { client_id: 'machine', redirect_uri: undefined }).url),
    );
    await expectErrorPage(
      await get(
        authorizeUrl(srv(), { client_id: 'machine', redirect_uri: 'https://machine.example/cb' }).url,
      ),
    );
  });

  it('fragments, non-loopback http and dangerous schemes are refused as error pages', async () => {
    for (const uri of [
      `${WEB_REDIRECT}#x`,
      'http://app.example/cb',
      'javascript:alert(1)',
      'data:text/html,hi',
      'myapp:/cb',
    ]) {
      await expectErrorPage(await get(authorizeUrl(srv(), { client_id: 'web-app', redirect_uri: uri }).url));
    }
  });
});

describe('PKCE at the authorization endpoint (OAuth 2.1 §4.1.1, §4.1.2.1; RFC 7636 §4.4.1)', () => {
  const srv = useServer(options);

  it('a public client without code_challenge is redirected as invalid_request', async () => {
    const result = await authorize(srv(), { code_challenge: undefined, code_challenge_method: undefined });
    expect(query(result.location)).toMatchObject({
      error: 'invalid_request',
      state: result.state,
      iss: srv().issuer,
    });
  });

  it('code_challenge_method=plain is refused with invalid_request', async () => {
    const result = await authorize(srv(), { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    expect(query(result.location).error).toBe('invalid_request');
  });

  it('an unsupported code_challenge_method (S512) is refused with invalid_request', async () => {
    const result = await authorize(srv(), { code_challenge_method: 'S512' });
    expect(query(result.location).error).toBe('invalid_request');
  });

  it('a challenge without a method defaults to plain and is refused, never assumed S256', async () => {
    const result = await authorize(srv(), { code_challenge_method: undefined });
    expect(query(result.location).error).toBe('invalid_request');
  });

  it('a challenge that is not 43 base64url characters is refused with invalid_request', async () => {
    const result = await authorize(srv(), { code_challenge: 'short' });
    expect(query(result.location).error).toBe('invalid_request');
  });

  it('the code does not reveal the challenge', async () => {
    const { challenge } = pkce();
    const result = await authorize(srv(), { code_challenge: challenge });
    expect(result.code).not.toContain(challenge);
    expect(Buffer.from(result.code!.slice(4), 'base64url').toString('latin1')).not.toContain(challenge);
  });

  it('a confidential client may authorize without PKCE and redeem without a verifier', async () => {
    const result = await authorize(srv(), {
      client_id: 'web-app',
      redirect_uri: WEB_REDIRECT,
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    expect(result.code).toBeTruthy();
    const response = await redeem(
      srv(),
      { code: result.code, verifier: '' },
      { client_id: undefined, code_verifier: undefined, redirect_uri: WEB_REDIRECT },
      { authorization: WEB_AUTH },
    );
    expect(response.status).toBe(200);
  });
});
