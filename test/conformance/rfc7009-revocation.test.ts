import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import {
  authorize,
  basic,
  CONFIDENTIAL_SECRET,
  corsPreflight,
  isActive,
  obtainTokens,
  POST_REDIRECT,
  redeem,
  refresh,
  revoke,
  useServer,
  WEB_AUTH,
  WEB_REDIRECT,
} from '../helpers/oauth.js';

/** RFC 7009 token revocation. */

describe('RFC 7009 token revocation', () => {
  const srv = useServer();

  async function webAppTokens() {
    const auth = await authorize(srv(), { client_id: 'web-app', redirect_uri: WEB_REDIRECT });
    const r = await redeem(
      srv(),
      auth,
      { client_id: undefined, redirect_uri: WEB_REDIRECT },
      { authorization: WEB_AUTH },
    );
    expect(r.status).toBe(200);
    return r.body as { access_token: string; refresh_token: string };
  }

  it('a public client revokes its refresh token with client_id, and the refresh token stops working', async () => {
    const t = await obtainTokens(srv());
    const r = await revoke(srv(), {
      token: t.refresh_token,
      token_type_hint: 'refresh_token',
      client_id: 'native-app',
    });
    expect(r.status).toBe(200);
    expect((await refresh(srv(), t.refresh_token!)).body.error).toBe('invalid_grant');
  });

  it('a wrong token_type_hint does not stop the search: a refresh token sent as access_token is revoked', async () => {
    const t = await obtainTokens(srv());
    const r = await revoke(srv(), {
      token: t.refresh_token,
      token_type_hint: 'access_token',
      client_id: 'native-app',
    });
    expect(r.status).toBe(200);
    expect(await isActive(srv(), t.refresh_token!)).toBe(false);
  });

  it('revoking a refresh token also deactivates the access tokens of its grant', async () => {
    const t = await obtainTokens(srv());
    expect(await isActive(srv(), t.access_token)).toBe(true);
    await revoke(srv(), { token: t.refresh_token, client_id: 'native-app' });
    expect(await isActive(srv(), t.access_token)).toBe(false);
  });

  it('an access token can be revoked on its own; the refresh token keeps working', async () => {
    const t = await obtainTokens(srv());
    const r = await revoke(srv(), {
      token: t.access_token,
      token_type_hint: 'access_token',
      client_id: 'native-app',
    });
    expect(r.status).toBe(200);
    expect(await isActive(srv(), t.access_token)).toBe(false);
    expect((await refresh(srv(), t.refresh_token!)).status).toBe(200);
  });

  it('a client cannot revoke another client’s token: the request is 200 and the token stays valid', async () => {
    const t = await obtainTokens(srv());
    const r = await revoke(srv(), {
      token: t.refresh_token,
      client_id: 'post-app',
      client_secret: CONFIDENTIAL_SECRET,
    });
    expect(r.status).toBe(200);
    const other = await revoke(srv(), { token: t.access_token }, { authorization: WEB_AUTH });
    expect(other.status).toBe(200);
    expect(await isActive(srv(), t.access_token)).toBe(true);
    expect((await refresh(srv(), t.refresh_token!)).status).toBe(200);
  });

  it('an invalid or unknown token is answered 200', async () => {
    for (const token of [
      'garbage',
      'ghr_AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'a.b.c',
    ]) {
      const r = await revoke(srv(), { token, client_id: 'native-app' });
      expect(r.status).toBe(200);
    }
  });

  it('a confidential client with bad credentials is 401 invalid_client', async () => {
    const r = await revoke(srv(), { token: 'x' }, { authorization: basic('web-app', 'wrong') });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    const anonymous = await revoke(srv(), { token: 'x', client_id: 'web-app' });
    expect(anonymous.status).toBe(401);
  });

  it('a request without token is 400 invalid_request', async () => {
    const r = await revoke(srv(), { client_id: 'native-app' });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
  });

  it('an unknown token_type_hint value is answered with unsupported_token_type', async () => {
    const r = await revoke(srv(), { token: 'x', token_type_hint: 'id_token', client_id: 'native-app' });
    expect([r.status, r.body.error]).toEqual([400, 'unsupported_token_type']);
  });

  it('the revocation endpoint answers CORS preflights from browser clients', async () => {
    const response = await corsPreflight(srv().gh.config.endpoints.revocation, 'POST', 'content-type');
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('openid-client tokenRevocation (confidential web-app, Basic) revokes its refresh token', async () => {
    const tokens = await webAppTokens();
    const config = await client.discovery(
      new URL(srv().issuer),
      'web-app',
      undefined,
      client.ClientSecretBasic(CONFIDENTIAL_SECRET),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
    expect(await isActive(srv(), tokens.refresh_token)).toBe(false);
    expect(await isActive(srv(), tokens.access_token)).toBe(false);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('openid-client tokenRevocation (client_secret_post) revokes an access token', async () => {
    const auth = await authorize(srv(), { client_id: 'post-app', redirect_uri: POST_REDIRECT });
    const tokens = await redeem(srv(), auth, {
      client_id: 'post-app',
      client_secret: CONFIDENTIAL_SECRET,
      redirect_uri: POST_REDIRECT,
    });
    const config = await client.discovery(
      new URL(srv().issuer),
      'post-app',
      undefined,
      client.ClientSecretPost(CONFIDENTIAL_SECRET),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    await client.tokenRevocation(config, tokens.body.access_token);
    expect(await isActive(srv(), tokens.body.access_token)).toBe(false);
  });
});
