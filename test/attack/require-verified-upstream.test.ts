import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginUpstreamSignIn, continueToClient, startWithUpstream } from '../helpers/upstream-flow.js';
import { signInUpstream } from '../helpers/upstream-oidc.js';

/**
 * `requireVerifiedEmail` (docs/sign-in.md) holds for every way in, not only the password form: an
 * upstream sign-in whose address nobody proved — a just-in-time account from a connection that does
 * not trust the provider's `email_verified` — stops at "Verify your email" with no session, while a
 * trusted connection's verified assertion goes through. Against a real provider (oidc-provider).
 */
describe('requireVerifiedEmail through an upstream connection', () => {
  let env: Awaited<ReturnType<typeof startWithUpstream>>;

  beforeAll(async () => {
    env = await startWithUpstream(
      {
        unproven: { email: 'unproven@corp.example', email_verified: true },
        proven: { email: 'proven@corp.example', email_verified: true },
      },
      () => [
        { id: 'untrusted', name: 'Untrusted' },
        { id: 'trusted', name: 'Trusted', trustEmailVerified: true },
      ],
      { requireVerifiedEmail: true, mailer: async () => {} },
    );
  });
  afterAll(() => env?.close());

  it('an account whose address no one proved stops at "Verify your email", signed out', async () => {
    const flow = await beginUpstreamSignIn(env.srv, 'Untrusted');
    const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'unproven');
    const page = await flow.agent.request(callback.href);
    expect(page.status).toBeLessThan(500);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('Verify your email');
    expect([...flow.agent.cookies.keys()].some((k) => k.endsWith('gatehouse_session'))).toBe(false);
    const user = await env.srv.gh.store.getUserByEmail('unproven@corp.example');
    expect(user?.emailVerified).toBe(false);
    const [event] = await env.srv.gh.store.listAuditEvents({ type: 'login.unverified_email', limit: 1 });
    expect(event).toMatchObject({ userId: user!.id, detail: { connection: 'untrusted' } });
  });

  it('a trusted connection asserting a verified address signs in and reaches the client', async () => {
    const flow = await beginUpstreamSignIn(env.srv, 'Trusted');
    const callback = await signInUpstream(flow.agent, flow.upstreamUrl, 'proven');
    const done = await continueToClient(flow.agent, await flow.agent.request(callback.href));
    expect(done.location!.searchParams.get('code')).toBeTruthy();
  });
});
