import { describe, expect, it } from 'vitest';
import { disableClient } from '../../src/operations/lifecycle.js';
import { USER } from '../helpers/fixtures.js';
import { HeadlessUi, headlessOptions, UI_ORIGIN } from '../helpers/headless.js';
import { authorizeUrl, fakeClock, useServer, windowClock } from '../helpers/oauth.js';
import { startServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * Issue 16, headless API (docs/headless.md "Security rules"): the same CSRF, origin, throttling,
 * consent and lane rules as the hosted pages, and no credential in any answer. Every test tries to
 * get around one rule and checks that nothing was issued or counted in the attacker's favour.
 */

const STEPS = ['identify', 'password', 'signup', 'provider', 'organization', 'consent'] as const;

let port = 43100;

/** Signed in through the API, at the consent step (a fresh loopback port: consent is never remembered). */
async function atConsent(ui: HeadlessUi): Promise<{ interaction: string; csrf: string; preCsrf: string }> {
  const { interaction } = await ui.begin({ redirect_uri: `http://127.0.0.1:${port++}/callback` });
  const before = await ui.state(interaction);
  const signedIn = await ui.post('password', { interaction, ...USER }, { csrf: before.body.csrf_token });
  expect(signedIn.body.next).toBe('consent');
  return { interaction, csrf: signedIn.body.csrf_token, preCsrf: before.body.csrf_token };
}

function expectRefused(answer: { status: number; body: { error?: string }; text: string }): void {
  expect(answer.status).toBe(403);
  expect(answer.body.error).toBe('forbidden');
  expect(answer.text).not.toMatch(/ghc_|ghs_/);
}

describe('headless API: CSRF and origin', () => {
  const srv = useServer(() => headlessOptions());

  it('every state-changing step without the X-Gatehouse-CSRF header is 403 and issues nothing', async () => {
    const ui = new HeadlessUi(srv());
    const fresh = await ui.begin();
    for (const step of STEPS.filter((s) => s !== 'consent' && s !== 'organization')) {
      const answer = await ui.post(step, { interaction: fresh.interaction, ...USER, connection: 'x' });
      expectRefused(answer);
      expect(answer.headers.getSetCookie().join()).not.toMatch(/gatehouse_session=ghs_/);
    }
    // Consent without a session: nobody to consent (401), whatever the token.
    for (const step of ['consent', 'organization']) {
      const nobody = await ui.post(step, {
        interaction: fresh.interaction,
        decision: 'allow',
        organization: 'x',
      });
      expect(nobody.status).toBe(401);
      expect(nobody.body.error).toBe('login_required');
    }
    // Signed in too: still refused.
    const { interaction } = await atConsent(ui);
    for (const step of STEPS) {
      const answer = await ui.post(step, {
        interaction,
        ...USER,
        decision: 'allow',
        connection: 'x',
        organization: 'x',
      });
      expectRefused(answer);
    }
  });

  it('a wrong CSRF token, or one minted for another browser, is 403', async () => {
    const victim = new HeadlessUi(srv());
    const attacker = new HeadlessUi(srv());
    const { interaction } = await victim.begin();
    await victim.state(interaction);
    const theirs = await attacker.state((await attacker.begin()).interaction);
    expectRefused(await victim.post('password', { interaction, ...USER }, { csrf: 'A'.repeat(43) }));
    expectRefused(await victim.post('password', { interaction, ...USER }, { csrf: theirs.body.csrf_token }));
  });

  it('consent needs the session-bound token: the pre-session one, or another session’s, is 403 and issues no code', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, csrf, preCsrf } = await atConsent(ui);
    const other = await atConsent(new HeadlessUi(srv()));
    expectRefused(await ui.post('consent', { interaction, decision: 'allow' }, { csrf: preCsrf }));
    expectRefused(await ui.post('consent', { interaction, decision: 'allow' }, { csrf: other.csrf }));
    const genuine = await ui.post('consent', { interaction, decision: 'allow' }, { csrf });
    expect(new URL(genuine.body.redirect_to).searchParams.get('code')).toMatch(/^ghc_/);
  });

  it('a foreign, missing or null Origin is 403 without any CORS header, even with a valid token', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, csrf } = await atConsent(ui);
    for (const origin of [
      'https://evil.example',
      'null',
      `${UI_ORIGIN}.evil.example`,
      'http://signin.app.example',
      null,
    ]) {
      const answer = await ui.post('consent', { interaction, decision: 'allow' }, { csrf, origin });
      expectRefused(answer);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
    const read = await ui.state(interaction, { origin: 'https://evil.example' });
    expect(read.status).toBe(403);
    expect(read.text).not.toContain(csrf);
    const preflight = await fetch(ui.api('consent'), {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a CORS-simple request (text/plain, as a cross-site form could send) is refused before anything runs', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const { body } = await ui.state(interaction);
    const answer = await ui.post('password', JSON.stringify({ interaction, ...USER }), {
      csrf: body.csrf_token,
      headers: { 'content-type': 'text/plain' },
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.getSetCookie().join()).not.toMatch(/gatehouse_session=ghs_/);
  });
});

describe('headless API: the interaction', () => {
  const clock = fakeClock();
  const srv = useServer(() => headlessOptions({ clock: clock.now }));

  it('a tampered interaction is 400 invalid_request at every step', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, csrf } = await atConsent(ui);
    const i = Math.floor(interaction.length / 2);
    const tampered =
      interaction.slice(0, i) + (interaction[i] === 'A' ? 'B' : 'A') + interaction.slice(i + 1);
    expect((await ui.state(tampered)).status).toBe(400);
    const answer = await ui.post('consent', { interaction: tampered, decision: 'allow' }, { csrf });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });

  it('an expired interaction is 400 and issues nothing', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, csrf } = await atConsent(ui);
    clock.advance(srv().gh.config.sessions.interactionTtlMs + 1000);
    const answer = await ui.post('consent', { interaction, decision: 'allow' }, { csrf });
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain('ghc_');
  });

  it('a consent decision is accepted once per interaction: a replay (allow after deny, or allow twice) issues nothing', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, csrf } = await atConsent(ui);
    const deny = await ui.post('consent', { interaction, decision: 'deny' }, { csrf });
    expect(new URL(deny.body.redirect_to).searchParams.get('error')).toBe('access_denied');
    const replay = await ui.post('consent', { interaction, decision: 'allow' }, { csrf });
    expect(replay.status).toBe(400);
    expect(replay.text).not.toContain('ghc_');
  });

  it('an interaction sealed by another Gatehouse (another secret) is refused', async () => {
    const other = await startServer(headlessOptions({ secret: 'another-secret-another-secret-0123456789' }));
    try {
      const { interaction } = await new HeadlessUi(other).begin();
      const answer = await new HeadlessUi(srv()).state(interaction);
      expect(answer.status).toBe(400);
    } finally {
      await other.close();
    }
  });

  it('a client disabled after /authorize is refused at the state and consent steps (4xx, never 500)', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin({ client_id: 'web-app', redirect_uri: 'https://app.example/cb' });
    await disableClient(srv().gh.context, 'web-app', 'phishing report', 'test');
    const state = await ui.state(interaction);
    expect(state.status).toBeGreaterThanOrEqual(400);
    expect(state.status).toBeLessThan(500);
    expect(state.body.error).toBeTruthy();
  });
});

describe('headless API: throttles shared with the hosted pages', () => {
  // Each burst starts at a window boundary (sign-in 15 min, sign-up an hour), so none straddles one.
  const clock = windowClock();
  const srv = useServer(() =>
    headlessOptions({
      clock: clock.now,
      loginThrottle: { maxFailuresPerAccountNetwork: 3 },
      signupThrottle: { maxSignupsPerIp: 2 },
    }),
  );

  it('failures on the hosted page and on the API count toward one limit, and the API answers 429 with Retry-After', async () => {
    clock.startWindow();
    const ui = new HeadlessUi(srv());
    const wrong = { email: USER.email, password: 'wrong password 1' };
    const { interaction } = await ui.begin();
    expect((await ui.signIn(interaction, wrong)).status).toBe(401);
    // The hosted sign-in page, same browser, same account.
    const hosted = new UserAgent(srv().origin);
    const page = await hosted.request(`${srv().issuer}/login?interaction=${encodeURIComponent(interaction)}`);
    expect((await hosted.submit(await page.text(), wrong)).status).toBe(401);
    expect((await ui.signIn(interaction, wrong)).status).toBe(401);
    const limited = await ui.signIn(interaction, USER);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.getSetCookie().join()).not.toMatch(/gatehouse_session=ghs_/);
    const again = await hosted.request(
      `${srv().issuer}/login?interaction=${encodeURIComponent(interaction)}`,
    );
    expect((await hosted.submit(await again.text(), USER)).status).toBe(429);
  });

  it('sign-ups through the hosted page and the API share the per-IP sign-up limit', async () => {
    clock.startWindow();
    const hosted = new UserAgent(srv().origin);
    const page = await hosted.request(`${srv().issuer}/signup`);
    const created = await hosted.submit(await page.text(), {
      email: 'hosted-1@example.com',
      password: 'a long enough password',
    });
    expect(created.status).toBe(303);
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const { body } = await ui.state(interaction);
    const signup = (email: string) =>
      ui.post(
        'signup',
        { interaction, email, password: 'a long enough password' },
        { csrf: body.csrf_token },
      );
    expect((await signup('api-1@example.com')).status).toBe(200);
    const third = await new HeadlessUi(srv(), UI_ORIGIN).begin().then(async (b) => {
      const other = new HeadlessUi(srv());
      const s = await other.state(b.interaction);
      return other.post(
        'signup',
        { interaction: b.interaction, email: 'api-2@example.com', password: 'a long enough password' },
        { csrf: s.body.csrf_token },
      );
    });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('headless API: no credential in any answer', () => {
  const srv = useServer(() =>
    headlessOptions({
      mailer: async () => {},
      connections: [
        {
          id: 'corp',
          type: 'oidc',
          name: 'Corp SSO',
          issuer: 'https://idp.corp.example',
          client_id: 'gatehouse',
          client_secret: 'upstream-secret-0123456789',
        },
      ],
    }),
  );

  it('no body holds an access, refresh, session, reset or verification token; a code only inside a consent redirect_to', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const state = await ui.state(interaction);
    const csrf = state.body.csrf_token;
    await ui.post('identify', { interaction, email: USER.email }, { csrf });
    await ui.post('provider', { interaction, connection: 'corp' }, { csrf });
    await ui.signIn(interaction, { email: USER.email, password: 'wrong password' });
    await ui.post(
      'signup',
      { interaction, email: 'scan@example.com', password: 'a long enough password' },
      { csrf },
    );
    const signedIn = await ui.signIn(interaction, USER);
    const allow = await ui.post(
      'consent',
      { interaction, decision: 'allow' },
      { csrf: signedIn.body.csrf_token },
    );
    const code = new URL(allow.body.redirect_to).searchParams.get('code');
    expect(code).toMatch(/^ghc_/);
    // Then a remembered-consent round: the state says continue, and still holds no credential.
    const next = await ui.begin({ prompt: 'consent' });
    await ui.state(next.interaction);
    const session = ui.agent.cookies.get('gatehouse_session')!;
    expect(session).toMatch(/^ghs_/);
    expect(ui.bodies.length).toBeGreaterThan(8);
    for (const raw of ui.bodies) {
      const body = raw.replace(code!, '');
      expect(body).not.toMatch(/\bgh[a-z]_[A-Za-z0-9_-]{8,}/); // opaque credentials: codes, refresh, sessions, resets
      expect(body).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./); // JWTs
      expect(body).not.toContain(session.split('.')[1]!);
      expect(body).not.toMatch(/token=|access_token|refresh_token|id_token/);
    }
  });
});

describe('headless API: consent and lane rules', () => {
  const srv = useServer(() => headlessOptions());

  it('prompt=consent always asks, even after Allow', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, csrf } = await atConsent(ui);
    await ui.post('consent', { interaction, decision: 'allow' }, { csrf });
    const { url } = authorizeUrl(srv(), { prompt: 'consent' });
    const again = await ui.agent.request(url);
    const sealed = new URL(again.headers.get('location')!).searchParams.get('interaction')!;
    expect((await ui.state(sealed)).body.next).toBe('consent');
  });
});
