import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import {
  authorize,
  baseOptions,
  CONFIDENTIAL_SECRET,
  decodeJwt,
  fakeClock,
  isActive,
  obtainTokens,
  POST_REDIRECT,
  redeem,
  refresh,
  revoke,
  useServer,
} from '../helpers/oauth.js';

/** OAuth 2.1 §4.3 refresh_token grant: rotation, binding, scope, expiry and the reuse grace window. */

const options = baseOptions;

describe('refresh_token grant (OAuth 2.1 §4.3)', () => {
  const srv = useServer(options);

  it('every refresh returns a new refresh token (rotation)', async () => {
    const t = await obtainTokens(srv());
    const r = await refresh(srv(), t.refresh_token!);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body.refresh_token).toMatch(/^ghr_/);
    expect(r.body.refresh_token).not.toBe(t.refresh_token);
  });

  it('a wider scope than granted is invalid_scope', async () => {
    const t = await obtainTokens(srv(), { scope: 'todos.read' });
    const r = await refresh(srv(), t.refresh_token!, { scope: 'todos.read todos.write' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_scope');
  });

  it('a narrower scope gives a narrower access token, and the new refresh token keeps the full scope', async () => {
    const t = await obtainTokens(srv());
    const narrow = await refresh(srv(), t.refresh_token!, { scope: 'todos.read' });
    expect(narrow.body.scope).toBe('todos.read');
    expect(decodeJwt(narrow.body.access_token).payload.scope).toBe('todos.read');
    const full = await refresh(srv(), narrow.body.refresh_token);
    expect(full.body.scope).toBe('todos.read todos.write');
  });

  it('a confidential client must authenticate to refresh', async () => {
    const config = await client.discovery(
      new URL(srv().issuer),
      'post-app',
      undefined,
      client.ClientSecretPost(CONFIDENTIAL_SECRET),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const auth = await authorize(srv(), { client_id: 'post-app', redirect_uri: POST_REDIRECT });
    const tokens = await redeem(srv(), auth, {
      client_id: 'post-app',
      client_secret: CONFIDENTIAL_SECRET,
      redirect_uri: POST_REDIRECT,
    });
    const anonymous = await refresh(srv(), tokens.body.refresh_token, { client_id: 'post-app' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');
    const refreshed = await client.refreshTokenGrant(config, tokens.body.refresh_token);
    expect(refreshed.access_token).toBeTruthy();
  });

  it('a refresh token whose grant was revoked is invalid_grant', async () => {
    const t = await obtainTokens(srv());
    expect((await revoke(srv(), { token: t.refresh_token, client_id: 'native-app' })).status).toBe(200);
    const r = await refresh(srv(), t.refresh_token!);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_grant');
  });

  it('a refresh token with one byte changed is invalid_grant', async () => {
    const t = await obtainTokens(srv());
    const rt = t.refresh_token!;
    const i = rt.length - 5;
    const flipped = rt.slice(0, i) + (rt[i] === 'A' ? 'B' : 'A') + rt.slice(i + 1);
    const r = await refresh(srv(), flipped);
    expect(r.body.error).toBe('invalid_grant');
    // The genuine token is unaffected.
    expect((await refresh(srv(), rt)).status).toBe(200);
  });

  it('two parallel refreshes with one token both succeed inside the grace window with the same successor, and the family survives', async () => {
    const t = await obtainTokens(srv());
    const [a, b] = await Promise.all([refresh(srv(), t.refresh_token!), refresh(srv(), t.refresh_token!)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body.refresh_token).toBe(a.body.refresh_token);
    expect(b.body.access_token).not.toBe(a.body.access_token);
    expect((await refresh(srv(), a.body.refresh_token)).status).toBe(200);
  });
});

describe('expiry and the refresh grace window, on a fake clock', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({
    ...options(),
    clock: clock.now,
    tokens: { refreshTokenIdleTtl: 600, refreshTokenGracePeriod: 10 },
  }));

  it('a refresh token expires after the idle time, and each rotation restarts the idle time', async () => {
    const t = await obtainTokens(srv());
    clock.advance(500_000);
    const rotated = await refresh(srv(), t.refresh_token!);
    expect(rotated.status).toBe(200);
    clock.advance(500_000); // 1000 s after issue, 500 s after rotation: the successor is still live
    const again = await refresh(srv(), rotated.body.refresh_token);
    expect(again.status).toBe(200);
    clock.advance(601_000);
    const idle = await refresh(srv(), again.body.refresh_token);
    expect(idle.status).toBe(400);
    expect(idle.body.error).toBe('invalid_grant');
  });

  /**
   * Documented behaviour (tokens.refreshTokenGracePeriod, default 10 s): a rotated refresh token presented
   * again within the grace window, while its successor is unused, is a retry — it gets that same successor
   * (and a fresh access token) and nothing is revoked. After the window, the same presentation is reuse:
   * invalid_grant, and the whole grant (every refresh token and the access tokens it issued) is revoked.
   */
  it('reuse inside the grace window returns the same successor; reuse after it revokes the whole family', async () => {
    const t = await obtainTokens(srv());
    const rt2 = await refresh(srv(), t.refresh_token!);
    clock.advance(5_000);
    const retry = await refresh(srv(), t.refresh_token!);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).toBe(rt2.body.refresh_token);
    expect(await isActive(srv(), rt2.body.refresh_token)).toBe(true);
    clock.advance(6_000); // 11 s after rotation
    const reuse = await refresh(srv(), t.refresh_token!);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    for (const token of [
      rt2.body.refresh_token,
      retry.body.access_token,
      rt2.body.access_token,
      t.access_token,
    ]) {
      expect(await isActive(srv(), token)).toBe(false);
    }
    expect((await refresh(srv(), rt2.body.refresh_token)).body.error).toBe('invalid_grant');
  });
});

describe('refresh reuse with no grace window (refreshTokenGracePeriod: 0)', () => {
  const srv = useServer(() => ({ ...options(), tokens: { refreshTokenGracePeriod: 0 } }));

  it('presenting a rotated refresh token at once is invalid_grant and revokes the successor', async () => {
    const t = await obtainTokens(srv());
    const rt2 = await refresh(srv(), t.refresh_token!);
    const reuse = await refresh(srv(), t.refresh_token!);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await refresh(srv(), rt2.body.refresh_token)).body.error).toBe('invalid_grant');
    expect(await isActive(srv(), rt2.body.access_token)).toBe(false);
  });
});
