import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MailMessage } from '../../src/config/options.js';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { windowClock } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { decodeEntities, UserAgent } from '../helpers/user-agent.js';

/**
 * The self-service "Forgot password?" page cannot be used to enumerate accounts, mail-bomb a user or
 * leak a reset token (OWASP Forgot Password Cheat Sheet). Black-box over HTTP; a trusted proxy on
 * loopback lets each request speak for a client address. Counters live in the database: run with
 * GATEHOUSE_TEST_DATABASE=postgres as well.
 */

const VICTIM = { email: 'victim@example.com', password: 'victim password 123' };
const logLines: string[] = [];
const clock = windowClock();
const mail: MailMessage[] = [];

/** One request through the real form, from `ip`; returns the response and its body. */
async function requestReset(srv: TestServer, ip: string, email: string, opts: { csrf?: boolean } = {}) {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/forgot-password`, { headers: { 'x-forwarded-for': ip } });
  const csrf = /name="csrf" value="([^"]*)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('no CSRF field on the forgot-password page');
  const body = new URLSearchParams({ email });
  if (opts.csrf !== false) body.set('csrf', decodeEntities(csrf));
  const response = await agent.request(`${srv.issuer}/forgot-password`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: srv.origin,
      'x-forwarded-for': ip,
    },
    body,
  });
  return { response, text: await response.text() };
}

describe('forgot password resists enumeration, mail-bombing and token leaks (OWASP Forgot Password Cheat Sheet)', () => {
  let srv: TestServer;
  const bodies: string[] = [];
  beforeAll(async () => {
    srv = await startServer({
      ...baseOptions(),
      users: [USER, VICTIM],
      trustedProxies: ['127.0.0.1'],
      clock: clock.now,
      logger: {
        level: 'debug',
        destination: new Writable({
          write(chunk, _enc, done) {
            logLines.push(String(chunk));
            done();
          },
        }),
      },
      mailer: async (m) => {
        mail.push(m);
      },
    });
  });
  afterAll(() => srv.close());

  it('a known and an unknown address get the same status and byte-identical page', async () => {
    const known = await requestReset(srv, '198.51.100.1', USER.email);
    const unknown = await requestReset(srv, '198.51.100.2', 'no-such-user@example.com');
    bodies.push(known.text, unknown.text);
    expect(unknown.response.status).toBe(known.response.status);
    expect(unknown.text).toBe(known.text);
    await vi.waitFor(() => expect(mail).toHaveLength(1));
  });

  it('a POST without the CSRF token is refused and sends nothing', async () => {
    const before = mail.length;
    const { response, text } = await requestReset(srv, '198.51.100.3', USER.email, { csrf: false });
    bodies.push(text);
    expect(response.status).toBe(403);
    await new Promise((r) => setTimeout(r, 100));
    expect(mail).toHaveLength(before);
  });

  it('one account gets at most 3 mails an hour, whatever the addresses asking; then 429 with Retry-After', async () => {
    clock.startWindow();
    const victim = VICTIM.email;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { response, text } = await requestReset(srv, `203.0.113.${10 + i}`, victim);
      bodies.push(text);
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    await vi.waitFor(() => expect(mail.filter((m) => m.to === victim)).toHaveLength(3));
  });

  it('one client address gets at most 20 requests an hour across addresses; then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    clock.startWindow();
    for (let i = 0; i < 22; i++) {
      const { response, text } = await requestReset(srv, '192.0.2.77', `probe-${i}@example.com`);
      bodies.push(text);
      statuses.push(response.status);
      retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.slice(0, 20)).toEqual(new Array(20).fill(200));
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('no reset token appears in any response or log line', async () => {
    await vi.waitFor(() => expect(mail.length).toBeGreaterThan(0));
    const tokens = mail.map((m) => new URL(m.link).searchParams.get('token')!);
    for (const token of tokens) {
      expect(token).toMatch(/^ghp_/);
      for (const body of bodies) expect(body).not.toContain(token);
      for (const line of logLines) expect(line).not.toContain(token);
      // The secret part alone does not leak either.
      const secret = token.slice(token.lastIndexOf('.') + 1);
      for (const line of logLines) expect(line).not.toContain(secret);
    }
  });
});
