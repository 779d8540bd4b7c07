import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MailMessage } from '../../src/config/options.js';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { windowClock } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * The sign-up and forgot-password limits are options (signupThrottle, passwordReset.*), and the
 * handlers apply the configured numbers, not the defaults. Counters live in the database: run with
 * GATEHOUSE_TEST_DATABASE=postgres as well.
 */

const mail: MailMessage[] = [];
const clock = windowClock();
let srv: TestServer;

beforeAll(async () => {
  srv = await startServer({
    ...baseOptions(),
    users: [USER],
    clock: clock.now,
    signupThrottle: { maxSignupsPerIp: 2, windowSeconds: 600 },
    passwordReset: { maxRequestsPerAccount: 1, maxRequestsPerIp: 3, windowSeconds: 600 },
    mailer: async (m) => {
      mail.push(m);
    },
  });
});
afterAll(() => srv.close());

async function submitForm(path: string, fields: Record<string, string>): Promise<Response> {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}${path}`);
  return agent.submit(await page.text(), fields);
}

describe('configured throttles', () => {
  it('signupThrottle.maxSignupsPerIp: the third account from one address is 429 with Retry-After and is not created', async () => {
    clock.startWindow();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await submitForm('/signup', { email: `new-${i}@example.com`, password: 'long enough password' });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 2).every((s) => s < 400)).toBe(true);
    expect(statuses[2]).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(last!.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    expect(await srv.gh.store.getUserByEmail('new-1@example.com')).toBeDefined();
    expect(await srv.gh.store.getUserByEmail('new-2@example.com')).toBeUndefined();
  });

  it('passwordReset.maxRequestsPerAccount and maxRequestsPerIp: one mail per account, three requests per address', async () => {
    clock.startWindow();
    const statuses: number[] = [];
    for (const email of [USER.email, USER.email, 'a@example.com', 'b@example.com']) {
      statuses.push((await submitForm('/forgot-password', { email })).status);
    }
    expect(statuses).toEqual([200, 429, 200, 429]);
    await vi.waitFor(() => expect(mail.filter((m) => m.to === USER.email)).toHaveLength(1));
  });
});
