import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import {
  baseOptions,
  basic,
  CONFIDENTIAL_SECRET,
  fakeClock,
  introspect,
  MACHINE_AUTH,
  MACHINE_SECRET,
  obtainTokens,
  postForm,
  RESOURCE,
  revoke,
  tokenRequest,
  useServer,
  WEB_AUTH,
} from '../helpers/oauth.js';

/** RFC 7662 token introspection. */

describe('RFC 7662 token introspection', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({ ...baseWithClock(), clock: clock.now }));

  it('a caller that does not authenticate is refused with 401', async () => {
    const t = await obtainTokens(srv());
    const r = await postForm(srv().gh.config.endpoints.introspection, { token: t.access_token });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    expect(r.body).not.toHaveProperty('active');
  });

  it('a caller with wrong credentials is refused with 401 and WWW-Authenticate', async () => {
    const t = await obtainTokens(srv());
    const r = await introspect(srv(), t.access_token, { authorization: basic('machine', 'wrong') });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('a public client (client_id only) may not introspect', async () => {
    const t = await obtainTokens(srv());
    const r = await postForm(srv().gh.config.endpoints.introspection, {
      token: t.access_token,
      client_id: 'native-app',
    });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
  });

  it('an active access token shows active, scope, client_id, exp, iat, sub, aud, iss and token_type', async () => {
    const t = await obtainTokens(srv());
    const r = await introspect(srv(), t.access_token);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({
      active: true,
      scope: 'todos.read todos.write',
      client_id: 'native-app',
      aud: RESOURCE,
      iss: srv().issuer,
      token_type: 'Bearer',
    });
    expect(r.body.sub).toMatch(/^usr_/);
    expect(r.body.exp).toBeGreaterThan(r.body.iat);
  });

  it('an active refresh token introspects with its audience', async () => {
    const t = await obtainTokens(srv());
    const r = await introspect(srv(), t.refresh_token!);
    expect(r.body).toMatchObject({ active: true, aud: RESOURCE, client_id: 'native-app' });
  });

  it('an unknown or malformed token is exactly {"active":false}', async () => {
    for (const token of [
      'garbage',
      'a.b.c',
      'ghr_AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ]) {
      const r = await introspect(srv(), token);
      expect(r.status).toBe(200);
      expect(r.body).toStrictEqual({ active: false });
    }
  });

  it('a revoked token is exactly {"active":false} right after revocation', async () => {
    const t = await obtainTokens(srv());
    await revoke(srv(), { token: t.refresh_token, client_id: 'native-app' });
    expect((await introspect(srv(), t.refresh_token!)).body).toStrictEqual({ active: false });
    expect((await introspect(srv(), t.access_token)).body).toStrictEqual({ active: false });
  });

  it('an expired access token is exactly {"active":false}', async () => {
    const t = await obtainTokens(srv());
    expect((await introspect(srv(), t.access_token)).body.active).toBe(true);
    clock.advance(61_000); // accessTokenTtl is 60 s here
    expect((await introspect(srv(), t.access_token)).body).toStrictEqual({ active: false });
  });

  it('a confidential client sees only its own tokens unless allowed the audience: others are {"active":false}', async () => {
    const t = await obtainTokens(srv());
    const foreign = await introspect(srv(), t.access_token, { authorization: WEB_AUTH });
    expect(foreign.status).toBe(200);
    expect(foreign.body).toStrictEqual({ active: false });
    const own = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials' },
      { authorization: MACHINE_AUTH },
    );
    const post = await postForm(srv().gh.config.endpoints.introspection, {
      token: own.body.access_token,
      client_id: 'post-app',
      client_secret: CONFIDENTIAL_SECRET,
    });
    expect(post.body).toStrictEqual({ active: false });
  });

  it('a client allowed one audience sees tokens for it and not for another', async () => {
    const t = await obtainTokens(srv());
    const auth = { authorization: basic('rs-todo', MACHINE_SECRET) };
    expect((await introspect(srv(), t.access_token, auth)).body.active).toBe(true);
    const other = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', resource: 'https://other.test/api' },
      { authorization: MACHINE_AUTH },
    );
    expect((await introspect(srv(), other.body.access_token, auth)).body).toStrictEqual({ active: false });
  });

  it('openid-client tokenIntrospection returns the same answer for a confidential caller', async () => {
    const t = await obtainTokens(srv());
    const config = await client.discovery(
      new URL(srv().issuer),
      'machine',
      undefined,
      client.ClientSecretBasic(MACHINE_SECRET),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const active = await client.tokenIntrospection(config, t.access_token);
    expect(active).toMatchObject({ active: true, aud: RESOURCE, client_id: 'native-app' });
    const inactive = await client.tokenIntrospection(config, 'garbage');
    expect(inactive.active).toBe(false);
  });
});

function baseWithClock() {
  const o = baseOptions();
  o.tokens = { accessTokenTtl: 60 };
  o.clients = [
    ...(o.clients ?? []),
    {
      client_id: 'rs-todo',
      client_secret: MACHINE_SECRET,
      grant_types: ['client_credentials'],
      introspect: [RESOURCE],
    },
  ];
  return o;
}
