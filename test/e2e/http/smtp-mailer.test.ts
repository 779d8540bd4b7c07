import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { effectiveSettings } from '../../../src/operations/settings.js';
import { sendPasswordReset } from '../../../src/operations/users.js';
import { baseOptions, USER } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { decodeQuotedPrintable, type SmtpServer, startSmtpServer } from '../../helpers/smtp-server.js';
import { UserAgent } from '../../helpers/user-agent.js';

/**
 * `mailer: "smtp://user:pass@host:port"` sends every mail through that relay with nodemailer, for real:
 * a local SMTP server (test/helpers/smtp-server.ts) receives it. The relay's password never appears in
 * logs, errors or the settings view.
 */

const PASSWORD = 'relay-p@ss-9f3k2';

async function requestReset(srv: TestServer, email: string): Promise<Response> {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/forgot-password`);
  return agent.submit(await page.text(), { email });
}

/** The decoded text/plain and text/html parts of a multipart/alternative message. */
function parts(data: string): { text: string; html: string; subject: string } {
  const part = (type: string) => {
    const match = new RegExp(
      `Content-Type: ${type}[^\\r]*\\r\\n(?:[^\\r]+\\r\\n)*\\r\\n([\\s\\S]*?)\\r\\n--`,
      'i',
    ).exec(data);
    return decodeQuotedPrintable(match?.[1] ?? '');
  };
  return {
    text: part('text/plain'),
    html: part('text/html'),
    subject: /^Subject: (.*)$/m.exec(data)?.[1] ?? '',
  };
}

describe('the SMTP mailer (nodemailer, a real SMTP exchange)', () => {
  let smtp: SmtpServer;
  let srv: TestServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    srv = await startServer({
      ...baseOptions(),
      mailer: `smtp://mailer:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}?from=login@gatehouse.test`,
      singleInstance: 'the SMTP relay is counted per message',
    });
  });
  afterAll(async () => {
    await srv.close();
    await smtp.close();
  });

  it('a password reset arrives at the relay, authenticated, with a plain-text and an HTML body whose link works', async () => {
    const sent = await requestReset(srv, USER.email);
    expect(sent.status).toBe(200);
    await vi.waitFor(() => expect(smtp.messages).toHaveLength(1), { timeout: 10_000 });
    const message = smtp.messages[0]!;
    expect(message.to).toEqual([USER.email]);
    expect(message.from).toBe('login@gatehouse.test');
    expect(message.auth).toEqual({ user: 'mailer', pass: PASSWORD });
    expect(message.data).toMatch(/Content-Type: multipart\/alternative/i);
    const { text, html, subject } = parts(message.data);
    const host = new URL(srv.issuer).host;
    expect(subject).toBe(`Reset your ${host} password`);
    const link = /https?:\/\/\S+\/reset-password\?token=ghp_[A-Za-z0-9_.-]+/.exec(text)?.[0];
    expect(link).toBeDefined();
    expect(html).toContain(`<a href="${link}">`);
    expect(await sent.text()).not.toContain(new URL(link!).searchParams.get('token')!);
    const page = await new UserAgent(srv.origin).request(link!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Choose a new password');
  });

  it('the settings view names the relay without its credentials', () => {
    const settings = effectiveSettings(srv.gh.context);
    expect(settings.mailer).toBe(`smtp://[hidden]@127.0.0.1:${smtp.port}`);
    expect(JSON.stringify(settings)).not.toContain(PASSWORD);
    expect(JSON.stringify(settings)).not.toContain(encodeURIComponent(PASSWORD));
  });
});

describe('an SMTP relay that refuses the login', () => {
  let smtp: SmtpServer;
  let srv: TestServer;
  const logs: string[] = [];
  beforeAll(async () => {
    smtp = await startSmtpServer({ rejectAuth: true });
    srv = await startServer({
      ...baseOptions(),
      mailer: `smtp://mailer:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}`,
      logger: {
        level: 'debug',
        destination: new Writable({
          write(chunk, _enc, done) {
            logs.push(String(chunk));
            done();
          },
        }),
      },
      singleInstance: 'the log lines are read from this process',
    });
  });
  afterAll(async () => {
    await srv.close();
    await smtp.close();
  });

  it('an administrator sending a reset gets an error that names the relay but not its password', async () => {
    const user = await srv.gh.store.getUserByEmail(USER.email);
    const error = await sendPasswordReset(srv.gh.context, user!, 'test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`SMTP delivery through smtp://[hidden]@127.0.0.1:${smtp.port} failed`);
    expect(message).not.toContain(PASSWORD);
    expect(smtp.logins.at(-1)).toEqual({ user: 'mailer', pass: PASSWORD });
  });

  it('the self-service page answers as usual and logs the failure without the password', async () => {
    const sent = await requestReset(srv, USER.email);
    expect(sent.status).toBe(200);
    await vi.waitFor(() => expect(logs.join('')).toContain('password reset mail not sent'), {
      timeout: 10_000,
    });
    expect(logs.join('')).not.toContain(PASSWORD);
    expect(logs.join('')).not.toContain(encodeURIComponent(PASSWORD));
    expect(smtp.messages).toHaveLength(0);
  });
});
