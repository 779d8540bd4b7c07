import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MailMessage } from '../../../src/config/options.js';
import { resolveMailer } from '../../../src/config/resolve.js';
import { baseOptions, USER } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { decodeEntities, UserAgent } from '../../helpers/user-agent.js';

/**
 * Self-service password reset (DESIGN §5: the sign-in page links "Forgot password?"; that page has a
 * field Email and a button "Send reset link"), through the real pages and a capturing mailer.
 */

/** Follows the sign-in page's "Forgot password?" link and returns the agent and the page's HTML. */
async function openForgotPage(srv: TestServer) {
  const agent = new UserAgent(srv.origin);
  const login = await (await agent.request(`${srv.issuer}/login`)).text();
  const href = /<a href="([^"]*)">Forgot password\?<\/a>/.exec(login)?.[1];
  expect(href).toBeDefined();
  const page = await agent.request(decodeEntities(href!));
  expect(page.status).toBe(200);
  return { agent, html: await page.text() };
}

describe('forgot password (DESIGN §5)', () => {
  let srv: TestServer;
  const mail: MailMessage[] = [];
  beforeAll(async () => {
    srv = await startServer({
      ...baseOptions(),
      mailer: async (m) => {
        mail.push(m);
      },
    });
  });
  afterAll(() => srv.close());

  it('the sign-in page links "Forgot password?" to a page with a labelled Email field and a "Send reset link" button', async () => {
    const { html } = await openForgotPage(srv);
    expect(html).toMatch(/<label for="email">Email<\/label>\s*<input id="email" name="email"/);
    expect(html).toContain('<button type="submit" class="primary">Send reset link</button>');
  });

  it('an existing user receives exactly one mail whose link resets the password, then signs in with it', async () => {
    mail.length = 0;
    const { agent, html } = await openForgotPage(srv);
    const sent = await agent.submit(html, { email: USER.email });
    expect(sent.status).toBe(200);
    const body = await sent.text();
    expect(body).toContain('If an account exists for that address');
    await vi.waitFor(() => expect(mail).toHaveLength(1));
    expect(mail[0]!.to).toBe(USER.email);
    expect(body).not.toContain(new URL(mail[0]!.link).searchParams.get('token')!);
    const resetPage = await agent.request(mail[0]!.link);
    expect(resetPage.status).toBe(200);
    const done = await agent.submit(await resetPage.text(), { password: 'brand new password 9' });
    expect(await done.text()).toContain('Password changed');
    const fresh = new UserAgent(srv.origin);
    const login = await (await fresh.request(`${srv.issuer}/login`)).text();
    const signedIn = await fresh.submit(login, { email: USER.email, password: 'brand new password 9' });
    expect(signedIn.status).toBe(303);
  });

  it('an unknown e-mail gets the byte-identical answer and nothing is sent', async () => {
    mail.length = 0;
    const known = await openForgotPage(srv);
    const unknown = await openForgotPage(srv);
    const a = await known.agent.submit(known.html, { email: USER.email });
    const b = await unknown.agent.submit(unknown.html, { email: 'nobody-here@example.com' });
    expect(b.status).toBe(a.status);
    expect(await b.text()).toBe(await a.text());
    await vi.waitFor(() => expect(mail.map((m) => m.to)).toEqual([USER.email]));
    await new Promise((r) => setTimeout(r, 200));
    expect(mail).toHaveLength(1);
  });
});

describe('forgot password without a mailer', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer(baseOptions());
  });
  afterAll(() => srv.close());

  it('the link is still on the sign-in page and its page says reset by email is not available', async () => {
    const { html } = await openForgotPage(srv);
    expect(html).toContain('Password reset by email is not available');
    expect(html).not.toContain('Send reset link');
  });
});

describe('the "console" mailer (DESIGN §4)', () => {
  it('any other string fails at start-up naming the field', async () => {
    const start = startServer({ ...baseOptions(), mailer: 'smtp' as 'console' });
    await expect(start).rejects.toThrow(/mailer/);
  });

  it('prints exactly one line of JSON {"mail":{"to","subject","text"}} per mail', async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await resolveMailer('console')!({
        to: 'a@example.com',
        subject: 'S',
        text: 'T\nline',
        html: '<p>T</p>',
        link: 'L',
      });
    } finally {
      process.stdout.write = original;
    }
    expect(writes).toEqual([
      `${JSON.stringify({ mail: { to: 'a@example.com', subject: 'S', text: 'T\nline' } })}\n`,
    ]);
  });
});
