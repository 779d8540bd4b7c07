import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MailMessage } from '../../../src/config/options.js';
import { postAccount } from '../../helpers/account.js';
import { baseOptions, USER } from '../../helpers/fixtures.js';
import { obtainTokens, refresh, signedInAgent } from '../../helpers/oauth.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { UserAgent } from '../../helpers/user-agent.js';

/**
 * `{issuer}/account` (issue 16): a signed-in user sees their address and its verification state, the
 * applications they granted (Revoke) and their linked upstream identities (Remove).
 */

const mail: MailMessage[] = [];

describe('the account page', () => {
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

  it('without a session it sends the person to sign in and back to the account page', async () => {
    const agent = new UserAgent(srv.origin);
    const first = await agent.request(`${srv.issuer}/account`);
    expect(first.status).toBe(302);
    const login = first.headers.get('location')!;
    expect(login).toBe('/login?return_to=%2Faccount');
    const page = await agent.request(new URL(login, srv.origin).href);
    const signedIn = await agent.submit(await page.text(), USER);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/account');
    const account = await agent.request(`${srv.issuer}/account`);
    expect(account.status).toBe(200);
    expect(account.headers.get('cache-control')).toBe('no-store');
    expect(await account.text()).toContain(`<strong>${USER.email}</strong>`);
  });

  it('shows the address unverified with "Send verification email", which mails a link', async () => {
    const agent = await signedInAgent(srv);
    const html = await (await agent.request(`${srv.issuer}/account`)).text();
    expect(html).toContain('Not verified');
    expect(html).toContain('Send verification email');
    const sent = await postAccount(srv, agent, { action: 'send-verification' });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/account?done=sent');
    await vi.waitFor(() => expect(mail.filter((m) => m.link.includes('/verify-email?'))).toHaveLength(1));
    expect(mail.at(-1)!.to).toBe(USER.email);
  });

  it('lists a granted application (name, scopes, resource) and Revoke ends its refresh token', async () => {
    const agent = await signedInAgent(srv);
    const tokens = await obtainTokens(srv, {}, { agent });
    const html = await (await agent.request(`${srv.issuer}/account`)).text();
    expect(html).toContain('<h3>Native App</h3>');
    expect(html).toContain('todos.read, todos.write');
    expect(html).toContain('Todo MCP');
    const grant = /name="action" value="revoke-grant"><input type="hidden" name="grant" value="([^"]+)"/.exec(
      html,
    )?.[1];
    expect(grant).toBeDefined();
    const revoked = await postAccount(srv, agent, { action: 'revoke-grant', grant: grant! });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/account?done=revoked');
    const after = await (await agent.request(`${srv.issuer}/account?done=revoked`)).text();
    expect(after).toContain('Access revoked');
    expect(after).not.toContain(grant!);
    const refreshed = await refresh(srv, tokens.refresh_token!);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body).toMatchObject({ error: 'invalid_grant' });
    const audit = await srv.gh.store.listAuditEvents({ type: 'grant.revoked', limit: 5 });
    expect(audit[0]).toMatchObject({ actor: expect.stringMatching(/^user:/), clientId: 'native-app' });
  });

  it('lists linked identities; Remove unlinks one of a user who has a password', async () => {
    const user = (await srv.gh.store.getUserByEmail(USER.email))!;
    await srv.gh.store.createLinkedIdentity({
      issuer: 'https://idp.example',
      subject: 'ada-at-idp',
      connectionId: 'corp',
      userId: user.id,
      email: USER.email,
      createdAt: Date.now(),
      lastUsedAt: null,
    });
    const agent = await signedInAgent(srv);
    const html = await (await agent.request(`${srv.issuer}/account`)).text();
    expect(html).toContain('<h3>corp</h3>');
    const removed = await postAccount(srv, agent, {
      action: 'unlink',
      issuer: 'https://idp.example',
      subject: 'ada-at-idp',
    });
    expect(removed.status).toBe(303);
    expect(await srv.gh.store.listLinkedIdentities(user.id)).toEqual([]);
  });
});
