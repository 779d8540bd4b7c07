import { describe, expect, it, vi } from 'vitest';
import type { MailMessage } from '../../../src/config/options.js';
import { USER } from '../../helpers/fixtures.js';
import { HeadlessUi, headlessOptions } from '../../helpers/headless.js';
import { useServer } from '../../helpers/oauth.js';

/**
 * `requireVerifiedEmail` through the headless API (issue 16): the same rule as the hosted pages
 * (interaction/credentials.ts), answered as JSON: no session for an unverified address, a message that
 * says to verify, and no token in any answer.
 */

const mail: MailMessage[] = [];

describe('headless API with requireVerifiedEmail', () => {
  const srv = useServer(() =>
    headlessOptions({
      requireVerifiedEmail: true,
      mailer: async (m) => {
        mail.push(m);
      },
      singleInstance: 'the mail list is this process',
    } as Parameters<typeof headlessOptions>[0]),
  );

  it('a correct password of an unverified user is 403 access_denied asking to verify, with no session', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const answer = await ui.signIn(interaction, USER);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: 'access_denied' });
    expect(answer.text).toContain('Verify your email address first');
    expect([...ui.agent.cookies.keys()].some((k) => k.includes('session'))).toBe(false);
  });

  it('sign-up creates the account, mails the link and answers the same, never the token', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const state = await ui.state(interaction);
    const who = { email: 'headless-new@example.com', password: 'headless password 1' };
    const answer = await ui.post('signup', { interaction, ...who }, { csrf: state.body.csrf_token });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('Verify your email address first');
    await vi.waitFor(() => expect(mail.filter((m) => m.to === who.email)).toHaveLength(1));
    const token = new URL(mail.find((m) => m.to === who.email)!.link).searchParams.get('token')!;
    for (const body of ui.bodies) expect(body).not.toContain(token.slice(4));
  });
});
