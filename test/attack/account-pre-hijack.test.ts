import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MailMessage } from '../../src/config/options.js';
import { baseOptions } from '../helpers/fixtures.js';
import { authorizeUrl, redeem, refresh } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * Account pre-hijacking (Sudhodanan & Paverd, 2022): an attacker signs up first with the victim's
 * address, links their own upstream identity to that account and keeps sessions and tokens, hoping
 * the victim will use the account later. Proving the address — a password reset or the verification
 * link, both mailed to the victim — must drop everything attached while the address was unverified.
 * The link is written through the store as the explicit linking flow (src/connections/link.ts) would.
 */

const VICTIM = 'victim@example.com';
const mail: MailMessage[] = [];

async function attackerTakesAddress(srv: TestServer, password: string) {
  const attacker = new UserAgent(srv.origin);
  const page = await attacker.request(`${srv.issuer}/signup`);
  expect((await attacker.submit(await page.text(), { email: VICTIM, password })).status).toBe(303);
  const user = (await srv.gh.store.getUserByEmail(VICTIM))!;
  await srv.gh.store.createLinkedIdentity({
    issuer: 'https://attacker-idp.example',
    subject: 'attacker',
    connectionId: 'corp',
    userId: user.id,
    email: VICTIM,
    createdAt: Date.now(),
    lastUsedAt: null,
  });
  const { url, verifier } = authorizeUrl(srv);
  const result = await attacker.authorize(url, { email: VICTIM, password });
  const tokens = await redeem(srv, { code: new URL(result.location!).searchParams.get('code'), verifier });
  expect(tokens.status).toBe(200);
  return { attacker, user, refreshToken: (tokens.body as { refresh_token: string }).refresh_token };
}

async function expectAttackerLockedOut(srv: TestServer, a: Awaited<ReturnType<typeof attackerTakesAddress>>) {
  expect(await srv.gh.store.listLinkedIdentities(a.user.id)).toEqual([]);
  const account = await a.attacker.request(`${srv.issuer}/account`);
  expect(account.status).toBe(302);
  const refreshed = await refresh(srv, a.refreshToken);
  expect(refreshed.status).toBe(400);
  expect(refreshed.body).toMatchObject({ error: 'invalid_grant' });
}

describe('pre-hijacked accounts lose what the attacker attached once the owner proves the address', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({
      ...baseOptions(),
      mailer: async (m) => {
        mail.push(m);
      },
      singleInstance: 'the mail list is this process',
    });
  });
  afterAll(() => srv.close());

  it('a password reset by the owner drops the linked identity, the sessions and the grants', async () => {
    const a = await attackerTakesAddress(srv, 'attacker password 1');
    const owner = new UserAgent(srv.origin);
    const forgot = await owner.request(`${srv.issuer}/forgot-password`);
    await owner.submit(await forgot.text(), { email: VICTIM });
    await vi.waitFor(() => expect(mail.some((m) => m.link.includes('/reset-password?'))).toBe(true));
    const link = mail.find((m) => m.link.includes('/reset-password?'))!.link;
    const form = await owner.request(link);
    expect((await owner.submit(await form.text(), { password: 'owner password 22' })).status).toBe(200);
    await expectAttackerLockedOut(srv, a);
    const audit = await srv.gh.store.listAuditEvents({ type: 'user.password_reset', limit: 1 });
    expect(audit[0]?.detail).toMatchObject({ identities_unlinked: 1 });
    // And the attacker's password is gone with the reset.
    const again = new UserAgent(srv.origin);
    const login = await again.request(`${srv.issuer}/login`);
    expect(
      (await again.submit(await login.text(), { email: VICTIM, password: 'attacker password 1' })).status,
    ).toBe(401);
  });
});

describe('pre-hijack: the verification link', () => {
  let srv: TestServer;
  beforeAll(async () => {
    mail.length = 0;
    srv = await startServer({
      ...baseOptions(),
      mailer: async (m) => {
        mail.push(m);
      },
      singleInstance: 'the mail list is this process',
    });
  });
  afterAll(() => srv.close());

  it('following it drops the linked identity, the sessions and the grants, and offers to take the account over', async () => {
    const a = await attackerTakesAddress(srv, 'attacker password 2');
    await vi.waitFor(() => expect(mail.some((m) => m.link.includes('/verify-email?'))).toBe(true));
    const owner = new UserAgent(srv.origin);
    const page = await owner.request(mail.find((m) => m.link.includes('/verify-email?'))!.link);
    const done = await owner.submit(await page.text(), {});
    expect(done.status).toBe(200);
    const html = await done.text();
    expect(html).toContain('Email verified');
    expect(html).toContain('Choose a new password');
    await expectAttackerLockedOut(srv, a);
  });

  it("the owner's own signed-in browser stays signed in after verifying", async () => {
    const owner = new UserAgent(srv.origin);
    const signup = await owner.request(`${srv.issuer}/signup`);
    const who = { email: 'owner2@example.com', password: 'owner two password' };
    expect((await owner.submit(await signup.text(), who)).status).toBe(303);
    await vi.waitFor(() => expect(mail.some((m) => m.to === who.email)).toBe(true));
    const page = await owner.request(mail.find((m) => m.to === who.email)!.link);
    const done = await owner.submit(await page.text(), {});
    expect(await done.text()).toContain('Go to your account');
    expect((await owner.request(`${srv.issuer}/account`)).status).toBe(200);
  });
});
