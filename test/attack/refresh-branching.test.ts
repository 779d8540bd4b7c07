import { describe, expect, it } from 'vitest';
import {
  baseOptions,
  decodeJwt,
  fakeClock,
  introspect,
  isActive,
  obtainTokens,
  RESOURCE,
  refresh,
  USER,
  useServer,
} from '../helpers/oauth.js';
import type { TestServer } from '../helpers/server.js';

/**
 * Refresh rotation cannot branch (issue 11 part 4; OAuth 2.1 §4.3.1; RFC 9700 §4.14.2). A refresh token
 * has exactly one successor: presenting it again within the retry window (tokens.refreshTokenGracePeriod,
 * 600 s by default) while that successor is unused
 * returns the very same successor (a retry); once the successor has been used, presenting it is reuse
 * and revokes the whole grant at once, grace or not. So a token replayed from a log never becomes a
 * chain of its own. Also: the absolute refresh lifetime, and what a refresh checks again (the user, the
 * client's resources, the resource's lanes, the scopes). Run on SQLite, and on PostgreSQL with
 * GATEHOUSE_TEST_DATABASE=postgres.
 */

const SECOND = 1000;

/** The grant is dead: none of these tokens is active any more, and the refresh token is refused. */
async function expectRevoked(srv: TestServer, refreshToken: string, accessTokens: string[]) {
  expect((await refresh(srv, refreshToken)).body.error).toBe('invalid_grant');
  for (const token of [refreshToken, ...accessTokens]) expect(await isActive(srv, token)).toBe(false);
}

describe('a rotated refresh token replayed within the grace window', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({ ...baseOptions(), clock: clock.now }));

  it('gets the very same successor, so a replay from a log does not start a parallel chain that outlives the window', async () => {
    const t = await obtainTokens(srv());
    const legit = await refresh(srv(), t.refresh_token!);
    clock.advance(5 * SECOND);
    const replay = await refresh(srv(), t.refresh_token!);
    expect(replay.status).toBe(200);
    expect(replay.body.refresh_token).toBe(legit.body.refresh_token);

    // Past the window the two holders share one chain: whoever uses it second is reuse.
    clock.advance(60 * SECOND);
    const next = await refresh(srv(), legit.body.refresh_token);
    expect(next.status).toBe(200);
    clock.advance(601 * SECOND);
    const attacker = await refresh(srv(), replay.body.refresh_token);
    expect([attacker.status, attacker.body.error]).toEqual([400, 'invalid_grant']);
    await expectRevoked(srv(), next.body.refresh_token, [next.body.access_token, replay.body.access_token]);
  });

  it('when the replayer uses the shared successor first, the legitimate client’s next refresh is reuse and kills the replayer’s chain', async () => {
    const t = await obtainTokens(srv());
    const legit = await refresh(srv(), t.refresh_token!);
    clock.advance(3 * SECOND);
    const replay = await refresh(srv(), t.refresh_token!);
    clock.advance(3 * SECOND);
    const stolen = await refresh(srv(), replay.body.refresh_token);
    expect(stolen.status).toBe(200);
    clock.advance(3600 * SECOND);
    const victim = await refresh(srv(), legit.body.refresh_token);
    expect(victim.body.error).toBe('invalid_grant');
    await expectRevoked(srv(), stolen.body.refresh_token, [stolen.body.access_token]);
  });

  it('ten parallel refreshes with one token all get the same successor, and only that one chain lives on', async () => {
    const t = await obtainTokens(srv());
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(srv(), t.refresh_token!)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map((r) => r.body.refresh_token)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.access_token)).size).toBe(10);
    clock.advance(11 * SECOND);
    const next = await refresh(srv(), results[0]!.body.refresh_token);
    expect(next.status).toBe(200);
    expect(await isActive(srv(), next.body.refresh_token)).toBe(true);
  });
});

describe('presenting a token whose successor has been used', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({ ...baseOptions(), clock: clock.now }));

  it('is reuse inside the grace window too: invalid_grant, and the successor’s access and refresh tokens stop working at once', async () => {
    const t = await obtainTokens(srv());
    const second = await refresh(srv(), t.refresh_token!);
    clock.advance(1 * SECOND);
    const third = await refresh(srv(), second.body.refresh_token);
    expect(third.status).toBe(200);
    clock.advance(1 * SECOND); // still within the parent's 600 s window
    const reuse = await refresh(srv(), t.refresh_token!);
    expect([reuse.status, reuse.body.error]).toEqual([400, 'invalid_grant']);
    expect(reuse.body.error_description).toMatch(/already used/);
    await expectRevoked(srv(), third.body.refresh_token, [
      third.body.access_token,
      second.body.access_token,
      t.access_token,
    ]);
  });

  it('a token rotated twice (two generations back) is refused and revokes the grant', async () => {
    const t = await obtainTokens(srv());
    const second = await refresh(srv(), t.refresh_token!);
    const third = await refresh(srv(), second.body.refresh_token);
    const fourth = await refresh(srv(), third.body.refresh_token);
    expect(fourth.status).toBe(200);
    expect((await refresh(srv(), t.refresh_token!)).body.error).toBe('invalid_grant');
    await expectRevoked(srv(), fourth.body.refresh_token, [fourth.body.access_token]);
  });

  it('the rotated token replayed after its window is reuse even while its successor is still unused', async () => {
    const t = await obtainTokens(srv());
    const second = await refresh(srv(), t.refresh_token!);
    clock.advance(601 * SECOND);
    expect((await refresh(srv(), t.refresh_token!)).body.error).toBe('invalid_grant');
    await expectRevoked(srv(), second.body.refresh_token, [second.body.access_token]);
  });
});

describe('a client whose refresh response was lost', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({ ...baseOptions(), clock: clock.now }));

  it('retries with the same token, gets the successor it missed and a fresh access token, and stays signed in', async () => {
    const t = await obtainTokens(srv());
    const lost = await refresh(srv(), t.refresh_token!);
    expect(lost.status).toBe(200);
    clock.advance(4 * SECOND);
    const retry = await refresh(srv(), t.refresh_token!);
    clock.advance(4 * SECOND);
    const again = await refresh(srv(), t.refresh_token!);
    for (const r of [retry, again]) {
      expect(r.status).toBe(200);
      expect(r.body.refresh_token).toBe(lost.body.refresh_token);
      expect(r.body.access_token).not.toBe(lost.body.access_token);
      expect(decodeJwt(r.body.access_token).payload.aud).toBe(RESOURCE);
    }
    clock.advance(3600 * SECOND);
    const next = await refresh(srv(), retry.body.refresh_token);
    expect(next.status).toBe(200);
    expect(await isActive(srv(), next.body.refresh_token)).toBe(true);
    expect(await isActive(srv(), next.body.access_token)).toBe(true);
  });

  // Issue 15: a crash or a network failure ate the response to a committed rotation, and the client
  // came back minutes later (a restart, a supervisor's back-off): well past the old 10 s grace window.
  it('retries minutes later (a crashed client restarting) and still gets the successor it missed', async () => {
    const t = await obtainTokens(srv());
    const lost = await refresh(srv(), t.refresh_token!);
    clock.advance(5 * 60 * SECOND);
    const retry = await refresh(srv(), t.refresh_token!);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).toBe(lost.body.refresh_token);
    clock.advance(4 * 60 * SECOND); // 9 minutes after the rotation, within the default 10
    expect((await refresh(srv(), t.refresh_token!)).body.refresh_token).toBe(lost.body.refresh_token);
    const next = await refresh(srv(), retry.body.refresh_token);
    expect(next.status).toBe(200);
    expect(await isActive(srv(), next.body.access_token)).toBe(true);
  });

  it('a retry after the window, even with the successor unused, is reuse: the window bounds how long a logged token is worth replaying', async () => {
    const t = await obtainTokens(srv());
    const lost = await refresh(srv(), t.refresh_token!);
    clock.advance(601 * SECOND);
    expect((await refresh(srv(), t.refresh_token!)).body.error).toBe('invalid_grant');
    await expectRevoked(srv(), lost.body.refresh_token, [lost.body.access_token]);
  });
});

describe('the absolute refresh lifetime (tokens.refreshTokenAbsoluteTtl)', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({
    ...baseOptions(),
    clock: clock.now,
    tokens: { refreshTokenIdleTtl: 600, refreshTokenAbsoluteTtl: 3600 },
  }));

  it('ends the grant at its absolute lifetime however often it was rotated, and no token outlives it', async () => {
    const t = await obtainTokens(srv());
    const issuedAt = clock.now();
    let token = t.refresh_token!;
    for (let i = 0; i < 7; i++) {
      clock.advance(500 * SECOND);
      const r = await refresh(srv(), token);
      expect(r.status, `rotation ${i + 1}`).toBe(200);
      token = r.body.refresh_token;
      const exp = (await introspect(srv(), token)).body.exp as number;
      expect(exp * 1000).toBeLessThanOrEqual(issuedAt + 3600 * SECOND);
    }
    // 3,500 s in, rotated 0 s ago: the idle lifetime would allow 600 s more, the absolute one does not.
    clock.advance(100 * SECOND);
    expect(await isActive(srv(), token)).toBe(false);
    const late = await refresh(srv(), token);
    expect([late.status, late.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('is counted from the grant, not from the last rotation', async () => {
    const t = await obtainTokens(srv());
    clock.advance(3590 * SECOND);
    // Idle expiry (600 s) would have ended this token already; an earlier rotation cannot help either.
    expect((await refresh(srv(), t.refresh_token!)).body.error).toBe('invalid_grant');
  });
});

describe('what a refresh checks again', () => {
  const srv = useServer(() => {
    const o = baseOptions();
    o.resources = [...(o.resources ?? []), { resource: 'https://spare.test/api', scopes: ['spare.read'] }];
    return o;
  });
  const resourceEdit = async (patch: {
    scopes?: string[];
    lanes?: { preregistered: boolean; cimd: boolean; dcr: boolean };
  }) => {
    expect(await srv().gh.store.updateResource(RESOURCE, patch)).toBe(true);
    await srv().gh.context.resources.refresh();
  };

  it('a user disabled after the grant gets invalid_grant, even when nothing revoked the grant', async () => {
    const t = await obtainTokens(srv());
    const user = (await srv().gh.store.getUserByEmail(USER.email))!;
    await srv().gh.store.updateUser(user.id, { disabledAt: Date.now() });
    try {
      const r = await refresh(srv(), t.refresh_token!);
      expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
      expect(r.body.error_description).toMatch(/user account/);
      expect(await isActive(srv(), t.refresh_token!)).toBe(false);
    } finally {
      await srv().gh.store.updateUser(user.id, { disabledAt: null });
    }
  });

  it('a client disabled after the grant cannot refresh: it fails client authentication', async () => {
    const t = await obtainTokens(srv());
    await srv().gh.store.updateClient('native-app', { disabledAt: Date.now() });
    try {
      const r = await refresh(srv(), t.refresh_token!);
      expect([r.status, r.body.error]).toEqual([401, 'invalid_client']);
    } finally {
      await srv().gh.store.updateClient('native-app', { disabledAt: null });
    }
  });

  it('a resource removed from the client’s resources is invalid_grant, and nothing is issued', async () => {
    const t = await obtainTokens(srv());
    await srv().gh.store.updateClient('native-app', { resources: ['https://spare.test/api'] });
    try {
      const r = await refresh(srv(), t.refresh_token!);
      expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
      expect(r.body.error_description).toMatch(/no longer available to this client/);
      expect(r.body.access_token).toBeUndefined();
    } finally {
      await srv().gh.store.updateClient('native-app', { resources: [] });
    }
    // Refused, not revoked: the grant works again once the client may use the resource again.
    expect((await refresh(srv(), t.refresh_token!)).status).toBe(200);
  });

  it('a resource that no longer admits the client’s lane is invalid_grant', async () => {
    const t = await obtainTokens(srv());
    await resourceEdit({ lanes: { preregistered: false, cimd: true, dcr: true } });
    try {
      const r = await refresh(srv(), t.refresh_token!);
      expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
      expect(r.body.error_description).toMatch(/does not accept preregistered clients/);
    } finally {
      await resourceEdit({ lanes: { preregistered: true, cimd: true, dcr: true } });
    }
  });

  it('a scope withdrawn from the resource is left out of access tokens while it is withdrawn; the refresh token keeps the grant’s scope', async () => {
    const t = await obtainTokens(srv());
    expect(t.scope).toBe('todos.read todos.write');
    await resourceEdit({ scopes: ['todos.read'] });
    let narrowed: Awaited<ReturnType<typeof refresh>>;
    try {
      narrowed = await refresh(srv(), t.refresh_token!);
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.scope).toBe('todos.read');
      expect(decodeJwt(narrowed.body.access_token).payload.scope).toBe('todos.read');
      // Asking for only the withdrawn scope is refused; the token itself is still good.
      const asked = await refresh(srv(), narrowed.body.refresh_token, { scope: 'todos.write' });
      expect(asked.body.error).toBe('invalid_scope');
    } finally {
      await resourceEdit({ scopes: ['todos.read', 'todos.write'] });
    }
    expect((await introspect(srv(), narrowed.body.refresh_token)).body.scope).toBe('todos.read todos.write');
    const later = await refresh(srv(), narrowed.body.refresh_token);
    expect(later.body.scope).toBe('todos.read todos.write');
  });

  it('a scope withdrawn from the client is left out; a grant left with no allowed scope at all is invalid_grant', async () => {
    const t = await obtainTokens(srv());
    await srv().gh.store.updateClient('native-app', { scope: 'todos.write' });
    try {
      const narrowed = await refresh(srv(), t.refresh_token!);
      expect(narrowed.body.scope).toBe('todos.write');
      await srv().gh.store.updateClient('native-app', { scope: 'other.read' });
      const none = await refresh(srv(), narrowed.body.refresh_token);
      expect([none.status, none.body.error]).toEqual([400, 'invalid_grant']);
      expect(none.body.error_description).toMatch(/none of the granted scopes/);
    } finally {
      await srv().gh.store.updateClient('native-app', { scope: null });
    }
  });
});
