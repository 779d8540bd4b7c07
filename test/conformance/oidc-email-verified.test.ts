import { describe, expect, it } from 'vitest';
import type { MailMessage } from '../../src/config/options.js';
import { sendPasswordReset } from '../../src/operations/users.js';
import { baseOptions, decodeJwt, obtainTokens, USER, useServer } from '../helpers/oauth.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * OIDC Core §5.1 and §5.4: an ID token that carries `email` (the `email` scope) also carries
 * `email_verified`, which is true only when Gatehouse has proof that the user controls the address
 * (a password reset completed through the mailed link) or the operator vouched for it.
 */

const VOUCHED = { email: 'grace@example.com', password: 'vouched password 123', email_verified: true };
const mail: MailMessage[] = [];
const srv = useServer(() => ({
  ...baseOptions(),
  users: [USER, VOUCHED],
  mailer: async (message: MailMessage) => {
    mail.push(message);
  },
}));

const OPENID = { scope: 'openid email todos.read' };

async function idTokenClaims(agent?: UserAgent): Promise<Record<string, unknown>> {
  const tokens = (await obtainTokens(srv(), OPENID, agent ? { agent } : {})) as { id_token?: string };
  expect(tokens.id_token).toBeTruthy();
  return decodeJwt(tokens.id_token!).payload as Record<string, unknown>;
}

async function signedIn(who: { email: string; password: string }, path: 'login' | 'signup') {
  const agent = new UserAgent(srv().origin);
  const page = await agent.request(`${srv().issuer}/${path}`);
  const response = await agent.submit(await page.text(), { email: who.email, password: who.password });
  expect(response.status).toBe(303);
  return agent;
}

describe('ID tokens: email_verified (OIDC Core §5.1)', () => {
  it('is false for a user who signed up and never proved the address', async () => {
    const agent = await signedIn({ email: 'mallory@victim.example', password: 'sign-up password' }, 'signup');
    const claims = await idTokenClaims(agent);
    expect(claims).toMatchObject({ email: 'mallory@victim.example', email_verified: false });
  });

  it('is false for a configured user the operator did not vouch for', async () => {
    expect(await idTokenClaims()).toMatchObject({ email: USER.email, email_verified: false });
  });

  it('is true for a configured user the operator vouched for (users[].email_verified)', async () => {
    const agent = await signedIn(VOUCHED, 'login');
    expect(await idTokenClaims(agent)).toMatchObject({ email: VOUCHED.email, email_verified: true });
  });

  it('becomes true once the user completes a password reset through the link mailed to the address', async () => {
    const who = { email: 'linus@example.org', password: 'first password 1' };
    await signedIn(who, 'signup');
    const user = await srv().gh.store.getUserByEmail(who.email);
    await sendPasswordReset(srv().gh.context, user!, 'test');
    const link = mail.find((m) => m.to === who.email && m.link.includes('/reset-password'))!.link;
    const agent = new UserAgent(srv().origin);
    const form = await agent.request(link);
    const reset = await agent.submit(await form.text(), { password: 'second password 2' });
    expect(reset.status).toBeLessThan(400);
    const fresh = await signedIn({ email: who.email, password: 'second password 2' }, 'login');
    expect(await idTokenClaims(fresh)).toMatchObject({ email: who.email, email_verified: true });
  });

  it('is absent, like email, when the email scope was not granted', async () => {
    const tokens = (await obtainTokens(srv(), { scope: 'openid todos.read' })) as { id_token?: string };
    const claims = decodeJwt(tokens.id_token!).payload as Record<string, unknown>;
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('email_verified');
  });

  it('is listed in the discovery document claims_supported', async () => {
    const response = await fetch(`${srv().origin}/.well-known/openid-configuration`);
    expect(((await response.json()) as { claims_supported: string[] }).claims_supported).toContain(
      'email_verified',
    );
  });
});
