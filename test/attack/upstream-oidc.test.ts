import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../src/gatehouse.js';
import { createUser } from '../../src/users.js';
import { USER } from '../helpers/fixtures.js';
import { fakeClock } from '../helpers/oauth.js';
import { TEST_SECRET } from '../helpers/server.js';
import { beginUpstreamSignIn, continueToClient, startWithUpstream } from '../helpers/upstream-flow.js';
import { signInUpstream } from '../helpers/upstream-oidc.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * Issue 16: every rule that keeps someone out of a Gatehouse account through an upstream OpenID provider,
 * against a real provider (oidc-provider) on a loopback port. A refused callback starts no session and
 * creates or links nothing. Store-backed: run with GATEHOUSE_TEST_DATABASE=postgres too.
 */
describe('upstream OpenID Connect: attacks', () => {
  let env: Awaited<ReturnType<typeof startWithUpstream>>;

  beforeAll(async () => {
    env = await startWithUpstream(
      {
        mallory: { email: 'mallory@corp.example', email_verified: true },
        // Claims an existing user's address without the provider verifying it.
        'ada-unverified': { email: USER.email, email_verified: false },
        // Entra-like: no email_verified claim at all.
        'ada-entra': { email: USER.email },
        outsider: { email: 'someone@elsewhere.example', email_verified: true },
        'unverified-new': { email: 'new@corp.example', email_verified: false },
        'claims-verified': { email: 'claims@corp.example', email_verified: true },
        'pre-hijacked': { email: 'prehijack@corp.example', email_verified: true },
      },
      () => [
        { trustEmailVerified: true },
        { id: 'entra', name: 'Entra', trustEmailVerified: true },
        { id: 'off', name: 'Retired IdP', enabled: false },
        { id: 'corp-only', name: 'Corp only', domains: ['corp.example'] },
        { id: 'untrusted', name: 'Untrusted' },
      ],
    );
  });
  afterAll(() => env?.close());

  const store = () => env.srv.gh.store;
  const sessionCookie = (agent: UserAgent) =>
    [...agent.cookies.keys()].some((k) => k.endsWith('gatehouse_session'));

  /** Runs a flow up to the provider's redirect back to Gatehouse (not followed). */
  async function toCallback(login: string, name = 'Corp SSO') {
    const flow = await beginUpstreamSignIn(env.srv, name);
    const callback = await signInUpstream(flow.agent, flow.upstreamUrl, login);
    return { ...flow, callback };
  }

  async function refusal(agent: UserAgent, url: string | URL) {
    const response = await agent.request(String(url));
    return {
      status: response.status,
      body: await response.text(),
      location: response.headers.get('location'),
    };
  }

  it('refuses a callback whose state Gatehouse never issued', async () => {
    const { agent, callback } = await toCallback('mallory');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'A'.repeat(43));
    const r = await refusal(agent, forged);
    expect(r.status).toBe(400);
    expect(r.body).toContain('could not be completed');
    expect(sessionCookie(agent)).toBe(false);
    expect(await store().getUserByEmail('mallory@corp.example')).toBeUndefined();
  });

  it('refuses a callback without state', async () => {
    const { agent, callback } = await toCallback('mallory');
    const forged = new URL(callback);
    forged.searchParams.delete('state');
    expect((await refusal(agent, forged)).status).toBe(400);
  });

  it('accepts a callback once: the replay is refused and audited', async () => {
    const { agent, callback } = await toCallback('mallory');
    // A HEAD (prefetch, link checker) neither completes nor spends it.
    expect((await agent.request(callback.href, { method: 'HEAD' })).status).toBe(405);
    const first = await agent.request(callback.href);
    expect(first.status).toBe(303);
    const replay = await refusal(new UserAgent(env.srv.origin), callback);
    expect(replay.status).toBe(400);
    // Even from the browser that started it.
    const again = await refusal(agent, callback);
    expect(again.status).toBe(400);
    const events = await store().listAuditEvents({ type: 'connection.refused', limit: 20 });
    expect(events.some((e) => e.detail?.['reason'] === 'replayed')).toBe(true);
  });

  it('refuses a callback in another browser than the one that started it (login CSRF)', async () => {
    const { callback } = await toCallback('mallory');
    const victim = new UserAgent(env.srv.origin);
    // The victim has a binding cookie of their own, from a sign-in they started.
    await beginUpstreamSignIn(env.srv, 'Corp SSO', victim);
    const r = await refusal(victim, callback);
    expect(r.status).toBe(400);
    expect(sessionCookie(victim)).toBe(false);
  });

  it('refuses an ID token whose nonce is not the one Gatehouse sent', async () => {
    const flow = await beginUpstreamSignIn(env.srv);
    const tampered = new URL(flow.upstreamUrl);
    tampered.searchParams.set('nonce', 'attacker-chosen-nonce-0123456789');
    const callback = await signInUpstream(flow.agent, tampered.href, 'unverified-new');
    const r = await refusal(flow.agent, callback);
    expect(r.status).toBe(400);
    expect(r.body).toContain('could not be verified');
    expect(await store().getUserByEmail('new@corp.example')).toBeUndefined();
    const events = await store().listAuditEvents({ type: 'connection.refused', limit: 20 });
    expect(events.map((e) => String(e.detail?.['reason'])).join('\n')).toContain('nonce');
  });

  it('refuses a code from another sign-in pasted into this one (PKCE and nonce belong to the state)', async () => {
    const agent = new UserAgent(env.srv.origin);
    const a = await beginUpstreamSignIn(env.srv, 'Corp SSO', agent);
    const b = await beginUpstreamSignIn(env.srv, 'Corp SSO', agent);
    const callbackB = await signInUpstream(agent, b.upstreamUrl, 'unverified-new');
    const injected = new URL(callbackB);
    injected.searchParams.set('state', new URL(a.upstreamUrl).searchParams.get('state')!);
    expect((await refusal(agent, injected)).status).toBe(400);
    expect(await store().getUserByEmail('new@corp.example')).toBeUndefined();
  });

  it('refuses a response whose iss is not the provider (RFC 9207 mix-up), and one without iss', async () => {
    const wrong = await toCallback('mallory');
    const mixed = new URL(wrong.callback);
    expect(mixed.searchParams.get('iss')).toBe(env.upstream.issuer);
    mixed.searchParams.set('iss', 'https://attacker.example');
    const r = await refusal(wrong.agent, mixed);
    expect(r.status).toBe(400);
    expect(r.body).toContain('could not be verified');
    const missing = await toCallback('mallory');
    const stripped = new URL(missing.callback);
    stripped.searchParams.delete('iss');
    expect((await refusal(missing.agent, stripped)).status).toBe(400);
  });

  it('never links silently on an unverified e-mail that an account has: a 409 page asks for the password', async () => {
    const ada = await store().getUserByEmail(USER.email);
    for (const [login, name] of [
      ['ada-unverified', 'Corp SSO'],
      ['ada-entra', 'Entra'],
    ] as const) {
      const { agent, callback } = await toCallback(login, name);
      const r = await refusal(agent, callback);
      expect(r.status).toBe(409);
      expect(r.body).toContain('An account with this e-mail already exists');
      expect(r.body).toContain('Sign in with your password first');
      expect(sessionCookie(agent)).toBe(false);
    }
    expect(await store().listLinkedIdentities(ada!.id)).toEqual([]);
    expect((await store().getUserById(ada!.id))!.emailVerified).toBe(false);
  });

  it('the link form links nothing without the right password, nor in another browser', async () => {
    const { agent, callback } = await toCallback('ada-entra', 'Entra');
    const page = await (await agent.request(callback.href)).text();
    const wrong = await agent.submit(page, { password: 'guess' });
    expect(wrong.status).toBe(401);
    const thief = new UserAgent(env.srv.origin);
    for (const [k, v] of agent.cookies) if (!k.endsWith('upstream')) thief.cookies.set(k, v);
    const stolen = await thief.submit(page, { password: USER.password });
    expect(stolen.status).toBe(400);
    const ada = await store().getUserByEmail(USER.email);
    expect(await store().listLinkedIdentities(ada!.id)).toEqual([]);
  });

  it('a trusted provider proving a pre-registered address ends the pre-hijack: the earlier password stops working', async () => {
    // The attacker registered the victim's address first, with a password of their own (unverified).
    const planted = await createUser(
      store(),
      { email: 'prehijack@corp.example', password: 'attacker chose this 1' },
      Date.now(),
    );
    const { agent, callback } = await toCallback('pre-hijacked');
    await continueToClient(agent, await agent.request(callback.href));
    const user = (await store().getUserById(planted.id))!;
    expect(user.emailVerified).toBe(true);
    expect(await store().listLinkedIdentities(user.id)).toHaveLength(1);
    const attacker = new UserAgent(env.srv.origin);
    const login = await attacker.request(`${env.srv.issuer}/login`);
    const tried = await attacker.submit(await login.text(), {
      email: 'prehijack@corp.example',
      password: 'attacker chose this 1',
    });
    expect(tried.status).toBe(401);
    const [event] = await store().listAuditEvents({ type: 'user.email_verified', limit: 1 });
    expect(event).toMatchObject({ userId: user.id, actor: 'connection:corp' });
    expect(event?.detail).toMatchObject({ passwordCleared: true });
  });

  it('does not mark an address verified from a connection that does not trust the assertion', async () => {
    const { agent, callback } = await toCallback('claims-verified', 'Untrusted');
    await continueToClient(agent, await agent.request(callback.href));
    const user = await store().getUserByEmail('claims@corp.example');
    expect(user).toBeDefined();
    expect(user!.emailVerified).toBe(false);
  });

  it('refuses an e-mail outside the connection domains', async () => {
    const { agent, callback } = await toCallback('outsider', 'Corp only');
    const r = await refusal(agent, callback);
    expect(r.status).toBe(403);
    expect(r.body).toContain('not in a domain allowed');
    expect(await store().getUserByEmail('someone@elsewhere.example')).toBeUndefined();
    expect(sessionCookie(agent)).toBe(false);
  });

  it('a disabled connection has no button, and its start and callback refuse', async () => {
    const flow = await beginUpstreamSignIn(env.srv);
    expect(flow.page).toContain('Continue with Entra');
    expect(flow.page).not.toContain('Retired IdP');
    const agent = new UserAgent(env.srv.origin);
    const start = await refusal(agent, `${env.srv.issuer}/connections/off/start`);
    expect(start.status).toBe(403);
    expect(start.location).toBeNull();
    const callback = await refusal(agent, `${env.srv.issuer}/connections/off/callback?code=x&state=y`);
    expect(callback.status).toBe(403);
    expect(callback.body).toContain('turned off');
  });

  it('an unknown connection is 404 and a broken interaction is refused before the round trip', async () => {
    const agent = new UserAgent(env.srv.origin);
    expect((await refusal(agent, `${env.srv.issuer}/connections/nope/start`)).status).toBe(404);
    expect((await refusal(agent, `${env.srv.issuer}/connections/corp/elsewhere`)).status).toBe(404);
    const broken = await refusal(agent, `${env.srv.issuer}/connections/corp/start?interaction=forged.mac`);
    expect(broken.status).toBe(400);
    expect(broken.location).toBeNull();
  });

  it('shows the provider refusal as a page, starting no session', async () => {
    const flow = await beginUpstreamSignIn(env.srv);
    const state = new URL(flow.upstreamUrl).searchParams.get('state')!;
    const denied = `${env.srv.issuer}/connections/corp/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(env.upstream.issuer)}`;
    const r = await refusal(flow.agent, denied);
    expect(r.status).toBe(403);
    expect(r.body).toContain('did not complete');
    expect(sessionCookie(flow.agent)).toBe(false);
  });

  it('refuses a provider whose discovery document names another issuer (OIDC Discovery §4.3)', async () => {
    const impostor = await startWithUpstream({ x: { email: 'x@corp.example' } }, (u) => [
      { issuer: u.issuer.replace('127.0.0.1', 'localhost') },
    ]);
    try {
      const agent = new UserAgent(impostor.srv.origin);
      const r = await refusal(agent, `${impostor.srv.issuer}/connections/corp/start`);
      expect(r.status).toBe(503);
      expect(r.location).toBeNull();
    } finally {
      await impostor.close();
    }
  });

  it('refuses a callback after stateTtl, even from the right browser', async () => {
    const clock = fakeClock();
    const slow = await startWithUpstream({ x: { email: 'slow@corp.example' } }, () => [{ stateTtl: 120 }], {
      clock: clock.now,
    });
    try {
      const flow = await beginUpstreamSignIn(slow.srv);
      const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'x');
      clock.advance(121_000);
      const r = await refusal(flow.agent, callback);
      expect(r.status).toBe(400);
      expect(await slow.srv.gh.store.getUserByEmail('slow@corp.example')).toBeUndefined();
    } finally {
      await slow.close();
    }
  });

  it('refuses an ID token whose signature does not verify against the provider JWKS', async () => {
    const forged = await startWithUpstream({ x: { email: 'sig@corp.example', email_verified: true } });
    try {
      const real = (await (await fetch(`${forged.upstream.issuer}/jwks`)).json()) as {
        keys: { kid: string }[];
      };
      // The same key ids, other keys: what a provider whose signing key leaked would be up against.
      const keys = [];
      for (const { kid } of real.keys) {
        const { publicKey } = await generateKeyPair('RS256', { extractable: true });
        keys.push({ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' });
      }
      forged.upstream.jwksOverride = { keys };
      const flow = await beginUpstreamSignIn(forged.srv);
      const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'x');
      const r = await refusal(flow.agent, callback);
      expect(r.status).toBe(400);
      expect(r.body).toContain('could not be verified');
      expect(await forged.srv.gh.store.getUserByEmail('sig@corp.example')).toBeUndefined();
    } finally {
      await forged.close();
    }
  });

  it('accepts an http issuer only on loopback with allowLoopback', async () => {
    const base = {
      issuer: 'http://127.0.0.1:4000',
      secret: TEST_SECRET,
      database: 'sqlite::memory:',
      logger: false as const,
    };
    const connection = { id: 'c', type: 'oidc' as const, name: 'C', client_id: 'c', client_secret: 's' };
    await expect(
      createGatehouse({ ...base, connections: [{ ...connection, issuer: 'http://127.0.0.1:9' }] }),
    ).rejects.toThrow(/allowLoopback/);
    await expect(
      createGatehouse({
        ...base,
        connections: [{ ...connection, issuer: 'http://idp.example', allowLoopback: true }],
      }),
    ).rejects.toThrow(/https/);
    await expect(
      createGatehouse({
        ...base,
        connections: [{ ...connection, issuer: 'https://idp.example', scopes: ['email'] }],
      }),
    ).rejects.toThrow(/openid/);
    const https = { ...connection, issuer: 'https://idp.example' };
    await expect(
      createGatehouse({
        ...base,
        connections: [{ ...https, token_endpoint_auth_method: 'private_key_jwt' }],
      }),
    ).rejects.toThrow(/private_key/);
    await expect(
      createGatehouse({ ...base, connections: [{ ...https, client_secret: undefined }] }),
    ).rejects.toThrow(/client_secret/);
    await expect(createGatehouse({ ...base, connections: [https, { ...https, name: 'D' }] })).rejects.toThrow(
      /duplicate/,
    );
  });
});
