import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MailMessage } from '../../../src/config/options.js';
import { hashSecret } from '../../../src/tokens/crypto.js';
import { baseOptions, USER } from '../../helpers/fixtures.js';
import { fakeClock } from '../../helpers/oauth.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { UserAgent } from '../../helpers/user-agent.js';

/**
 * E-mail verification over HTTP (issue 16): sign-up mails a single-use, short-lived link (only its
 * hash stored); the link opens a page whose button verifies the address; asking for a link answers
 * the same whatever the address; requests are throttled per IP and per address.
 */

const mail: MailMessage[] = [];
const mailer = async (m: MailMessage) => {
  mail.push(m);
};
const verificationsTo = (email: string) =>
  mail.filter((m) => m.to === email && m.link.includes('/verify-email?'));

async function signUp(srv: TestServer, who: { email: string; password: string }) {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/signup`);
  const response = await agent.submit(await page.text(), who);
  return { agent, response };
}

async function signIn(
  srv: TestServer,
  who: { email: string; password: string },
  agent = new UserAgent(srv.origin),
) {
  const page = await agent.request(`${srv.issuer}/login`);
  return { agent, response: await agent.submit(await page.text(), who) };
}

async function askForLink(srv: TestServer, email: string, ip = '192.0.2.1') {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/verify-email`, { headers: { 'x-forwarded-for': ip } });
  const html = await page.text();
  const csrf = /name="csrf" value="([^"]*)"/.exec(html)![1]!;
  const response = await agent.request(`${srv.issuer}/verify-email/send`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: srv.origin,
      'x-forwarded-for': ip,
    },
    body: new URLSearchParams({ csrf, email }),
  });
  return { response, text: await response.text() };
}

async function followLink(srv: TestServer, link: string, agent = new UserAgent(srv.origin)) {
  const page = await agent.request(link);
  const html = await page.text();
  return { page, html, agent, submit: () => agent.submit(html, {}) };
}

describe('e-mail verification (issue 16)', () => {
  let srv: TestServer;
  const clock = fakeClock();
  beforeAll(async () => {
    srv = await startServer({
      ...baseOptions(),
      mailer,
      clock: clock.now,
      trustedProxies: ['127.0.0.1'],
      emailVerification: { maxRequestsPerAccount: 2, maxRequestsPerIp: 5 },
      singleInstance: 'the fake clock and the mail list are this process',
    });
  });
  afterAll(() => srv.close());

  it('sign-up mails a verification link (text and HTML); the link verifies the address once and never again', async () => {
    const who = { email: 'grace@example.com', password: 'grace password 1' };
    const { response } = await signUp(srv, who);
    expect(response.status).toBe(303);
    await vi.waitFor(() => expect(verificationsTo(who.email)).toHaveLength(1));
    const message = verificationsTo(who.email)[0]!;
    expect(message.text).toContain(message.link);
    expect(message.html).toContain(`href="${message.link.replaceAll('&', '&amp;')}"`);
    expect((await srv.gh.store.getUserByEmail(who.email))!.emailVerified).toBe(false);
    // Opening the link (a mail scanner's GET) uses nothing: twice, still valid.
    await followLink(srv, message.link);
    const { html, submit } = await followLink(srv, message.link);
    expect(html).toContain('Verify email');
    const done = await submit();
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Email verified');
    expect((await srv.gh.store.getUserByEmail(who.email))!.emailVerified).toBe(true);
    const again = await followLink(srv, message.link);
    expect(again.page.status).toBe(400);
    expect(again.html).toContain('not valid or has expired');
  });

  it('only a hash of the token is stored, with its purpose and address; the token is in no HTTP response', async () => {
    const who = { email: 'hopper@example.com', password: 'hopper password 1' };
    const { response } = await signUp(srv, who);
    await vi.waitFor(() => expect(verificationsTo(who.email)).toHaveLength(1));
    const token = new URL(verificationsTo(who.email)[0]!.link).searchParams.get('token')!;
    expect(token).toMatch(/^ghv_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const [id, secret] = token.slice(4).split('.') as [string, string];
    const row = await srv.gh.store.getAccountToken(id);
    expect(row).toMatchObject({ purpose: 'email_verification', email: who.email, usedAt: null });
    expect(row!.secretHash).toBe(hashSecret(secret));
    expect(row!.secretHash).not.toContain(secret);
    expect(await response.text()).not.toContain(secret);
  });

  it('a verification token does not reset a password', async () => {
    const who = { email: 'lamarr@example.com', password: 'lamarr password 1' };
    await signUp(srv, who);
    await vi.waitFor(() => expect(verificationsTo(who.email)).toHaveLength(1));
    const token = new URL(verificationsTo(who.email)[0]!.link).searchParams.get('token')!;
    const page = await new UserAgent(srv.origin).request(`${srv.issuer}/reset-password?token=${token}`);
    expect(page.status).toBe(400);
  });

  it('a link expires after emailVerification.ttl (24 hours by default)', async () => {
    const who = { email: 'noether@example.com', password: 'noether password 1' };
    await signUp(srv, who);
    await vi.waitFor(() => expect(verificationsTo(who.email)).toHaveLength(1));
    const { html, agent } = await followLink(srv, verificationsTo(who.email)[0]!.link);
    clock.advance(24 * 3600_000 + 1000);
    const done = await agent.submit(html, {});
    expect(done.status).toBe(400);
    expect((await srv.gh.store.getUserByEmail(who.email))!.emailVerified).toBe(false);
  });

  it('asking for a link answers byte-identically for an unknown, a verified and an unverified address', async () => {
    await srv.gh.store.updateUser((await srv.gh.store.getUserByEmail(USER.email))!.id, {
      emailVerified: true,
    });
    const unverified = { email: 'turing@example.com', password: 'turing password 1' };
    await signUp(srv, unverified);
    await vi.waitFor(() => expect(verificationsTo(unverified.email)).toHaveLength(1));
    const before = mail.length;
    const answers = [
      await askForLink(srv, 'nobody@example.com', '192.0.2.10'),
      await askForLink(srv, USER.email, '192.0.2.11'),
      await askForLink(srv, unverified.email, '192.0.2.12'),
    ];
    for (const a of answers) {
      expect(a.response.status).toBe(200);
      expect(a.text).toBe(answers[0]!.text);
    }
    await vi.waitFor(() => expect(mail.length).toBe(before + 1));
    expect(mail.at(-1)!.to).toBe(unverified.email);
  });

  it('links to one address are throttled (emailVerification.maxRequestsPerAccount) and then none is sent', async () => {
    const who = { email: 'meitner@example.com', password: 'meitner password 1' };
    await signUp(srv, who);
    await vi.waitFor(() => expect(verificationsTo(who.email)).toHaveLength(1));
    expect((await askForLink(srv, who.email, '192.0.2.20')).response.status).toBe(200);
    expect((await askForLink(srv, who.email, '192.0.2.21')).response.status).toBe(200);
    const third = await askForLink(srv, who.email, '192.0.2.22');
    expect(third.response.status).toBe(429);
    expect(Number(third.response.headers.get('retry-after'))).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(verificationsTo(who.email)).toHaveLength(3);
  });

  it('requests from one client IP are throttled (emailVerification.maxRequestsPerIp)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await askForLink(srv, `ip-${i}@example.com`, '198.51.100.7')).response.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe('requireVerifiedEmail: true', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({
      ...baseOptions(),
      mailer,
      requireVerifiedEmail: true,
      singleInstance: 'the mail list is this process',
    });
  });
  afterAll(() => srv.close());

  it('is refused at start-up without a mailer, naming the option', async () => {
    await expect(startServer({ ...baseOptions(), requireVerifiedEmail: true })).rejects.toThrow(
      /requireVerifiedEmail/,
    );
  });

  it('a correct password of an unverified user stops at "Verify your email" with a resend button, without a session', async () => {
    const { response, agent } = await signIn(srv, USER);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<h1 id="page-title">Verify your email</h1>');
    expect(html).toContain('Resend verification email');
    expect([...agent.cookies.keys()].some((k) => k.includes('session'))).toBe(false);
    const before = verificationsTo(USER.email).length;
    const resent = await agent.submit(html, {});
    expect(resent.status).toBe(200);
    expect(await resent.text()).toContain('Check your email');
    await vi.waitFor(() => expect(verificationsTo(USER.email)).toHaveLength(before + 1));
  });

  it('a wrong password still says the email or password is not correct (nothing about verification)', async () => {
    const { response } = await signIn(srv, { email: USER.email, password: 'wrong password 1' });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('Verify your email');
  });

  it('sign-up stops at "Verify your email"; after following the link, the same password signs in', async () => {
    const who = { email: 'shannon@example.com', password: 'shannon password 1' };
    const { response } = await signUp(srv, who);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Verify your email');
    await vi.waitFor(() => expect(verificationsTo(who.email)).toHaveLength(1));
    const { submit } = await followLink(srv, verificationsTo(who.email)[0]!.link);
    expect((await submit()).status).toBe(200);
    const after = await signIn(srv, who);
    expect(after.response.status).toBe(303);
  });
});
