import { describe, expect, it } from 'vitest';
import { OTHER_RESOURCE } from '../helpers/fixtures.js';
import {
  baseOptions,
  CONFIDENTIAL_SECRET,
  fakeClock,
  isActive,
  obtainTokens,
  refresh,
  tokenRequest,
  useServer,
  WEB_AUTH,
} from '../helpers/oauth.js';

/**
 * Refresh-token attacks (checklist §4 attacks 10–13; OAuth 2.1 §4.3.1; RFC 9700 §4.14.2; RFC 8707 §2.2).
 * Every refused attempt must leave the legitimate holder's token working, so an attacker who only knows
 * the shape of a request cannot burn a victim's grant — except reuse of a rotated token, which is the
 * theft signal and revokes the family.
 */

const options = () => {
  const o = baseOptions();
  o.clients = [
    ...(o.clients ?? []),
    {
      client_id: 'other-native',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    },
  ];
  return o;
};

describe('refresh token reuse after rotation', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({ ...options(), clock: clock.now }));

  it('reusing a rotated refresh token after the grace window revokes the whole family, access tokens included', async () => {
    const t = await obtainTokens(srv());
    const second = await refresh(srv(), t.refresh_token!);
    const third = await refresh(srv(), second.body.refresh_token);
    expect(third.status).toBe(200);
    clock.advance(601_000); // past the default 600 s retry window

    const reuse = await refresh(srv(), t.refresh_token!);
    expect([reuse.status, reuse.body.error]).toEqual([400, 'invalid_grant']);

    expect((await refresh(srv(), third.body.refresh_token)).body.error).toBe('invalid_grant');
    for (const token of [
      t.access_token,
      second.body.access_token,
      third.body.access_token,
      third.body.refresh_token,
    ]) {
      expect(await isActive(srv(), token)).toBe(false);
    }
  });

  it('reusing the second-to-last token (not only the first) also revokes the family', async () => {
    const t = await obtainTokens(srv());
    const second = await refresh(srv(), t.refresh_token!);
    const third = await refresh(srv(), second.body.refresh_token);
    clock.advance(601_000); // past the retry window: the unused successor no longer makes it a retry
    expect((await refresh(srv(), second.body.refresh_token)).body.error).toBe('invalid_grant');
    expect(await isActive(srv(), third.body.refresh_token)).toBe(false);
    expect(await isActive(srv(), third.body.access_token)).toBe(false);
  });

  it('another grant of the same user and client is not touched by the revocation', async () => {
    const victim = await obtainTokens(srv());
    const other = await obtainTokens(srv(), {}, { agent: victim.auth.agent });
    const rotated = await refresh(srv(), victim.refresh_token!);
    expect(rotated.status).toBe(200);
    clock.advance(601_000);
    expect((await refresh(srv(), victim.refresh_token!)).body.error).toBe('invalid_grant');
    expect((await refresh(srv(), other.refresh_token!)).status).toBe(200);
  });
});

describe('refresh token binding', () => {
  const srv = useServer(options);

  it('another public client presenting the refresh token gets invalid_grant, and the owner’s token still works', async () => {
    const t = await obtainTokens(srv());
    const r = await refresh(srv(), t.refresh_token!, { client_id: 'other-native' });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
    expect((await refresh(srv(), t.refresh_token!)).status).toBe(200);
  });

  it('a confidential client presenting a public client’s refresh token gets invalid_grant', async () => {
    const t = await obtainTokens(srv());
    const viaBasic = await tokenRequest(
      srv(),
      { grant_type: 'refresh_token', refresh_token: t.refresh_token },
      { authorization: WEB_AUTH },
    );
    expect([viaBasic.status, viaBasic.body.error]).toEqual([400, 'invalid_grant']);
    const viaPost = await refresh(srv(), t.refresh_token!, {
      client_id: 'post-app',
      client_secret: CONFIDENTIAL_SECRET,
    });
    expect([viaPost.status, viaPost.body.error]).toEqual([400, 'invalid_grant']);
    expect((await refresh(srv(), t.refresh_token!)).status).toBe(200);
  });

  it('a resource swap on refresh is invalid_target, and the token still works for its own resource', async () => {
    const t = await obtainTokens(srv());
    const r = await refresh(srv(), t.refresh_token!, { resource: OTHER_RESOURCE });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_target']);
    expect(
      (await refresh(srv(), t.refresh_token!, { resource: [OTHER_RESOURCE, OTHER_RESOURCE] })).body.error,
    ).toBe('invalid_target');
    expect((await refresh(srv(), t.refresh_token!)).status).toBe(200);
  });

  it('scope escalation on refresh is invalid_scope, and the token still works', async () => {
    const t = await obtainTokens(srv(), { scope: 'todos.read' });
    for (const scope of ['todos.read todos.write', 'todos.write', 'other.read', 'openid']) {
      const r = await refresh(srv(), t.refresh_token!, { scope });
      expect([r.status, r.body.error], scope).toEqual([400, 'invalid_scope']);
    }
    const ok = await refresh(srv(), t.refresh_token!);
    expect(ok.body.scope).toBe('todos.read');
  });

  it('an access token presented as a refresh token is invalid_grant', async () => {
    const t = await obtainTokens(srv());
    expect((await refresh(srv(), t.access_token)).body.error).toBe('invalid_grant');
  });
});
