import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountCsrf, postAccount } from '../helpers/account.js';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { authorizeUrl, redeem, refresh } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * The account page acts only for the signed-in user, only from its own forms: another user's grant or
 * linked identity named by id is "not found" and stays; a POST without the session's CSRF token, with
 * another session's token, from another origin or without a session changes nothing.
 */

const MALLORY = { email: 'mallory@example.com', password: 'mallory password 1' };

async function signedIn(srv: TestServer, who: { email: string; password: string }) {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/login`);
  expect((await agent.submit(await page.text(), who)).status).toBe(303);
  return agent;
}

async function grantOf(srv: TestServer, agent: UserAgent, who: { email: string; password: string }) {
  const { url, verifier } = authorizeUrl(srv);
  const result = await agent.authorize(url, who);
  const code = new URL(result.location!).searchParams.get('code');
  const tokens = await redeem(srv, { code, verifier });
  expect(tokens.status).toBe(200);
  const user = (await srv.gh.store.getUserByEmail(who.email))!;
  const [grant] = await srv.gh.store.listGrants({ userId: user.id, activeOnly: true });
  return { grant: grant!, refreshToken: (tokens.body as { refresh_token: string }).refresh_token };
}

describe('account page: acting for someone else or from elsewhere is refused', () => {
  let srv: TestServer;
  let ada: UserAgent;
  let mallory: UserAgent;
  let adaGrant: { grant: { id: string }; refreshToken: string };
  beforeAll(async () => {
    srv = await startServer({ ...baseOptions(), users: [USER, MALLORY] });
    ada = await signedIn(srv, USER);
    mallory = await signedIn(srv, MALLORY);
    adaGrant = await grantOf(srv, ada, USER);
    await grantOf(srv, mallory, MALLORY);
    const user = (await srv.gh.store.getUserByEmail(USER.email))!;
    await srv.gh.store.createLinkedIdentity({
      issuer: 'https://idp.example',
      subject: 'ada-upstream',
      connectionId: 'corp',
      userId: user.id,
      email: USER.email,
      createdAt: Date.now(),
      lastUsedAt: null,
    });
  });
  afterAll(() => srv.close());

  const adaStillHasAccess = async () => {
    const user = (await srv.gh.store.getUserByEmail(USER.email))!;
    const grants = await srv.gh.store.listGrants({ userId: user.id, activeOnly: true });
    expect(grants.map((g) => g.id)).toContain(adaGrant.grant.id);
  };

  it("revoking another user's grant by its id is refused (404) and the grant stays", async () => {
    const response = await postAccount(srv, mallory, { action: 'revoke-grant', grant: adaGrant.grant.id });
    expect(response.status).toBe(404);
    await adaStillHasAccess();
  });

  it('a revoke without the CSRF token is refused (403)', async () => {
    const response = await postAccount(
      srv,
      ada,
      { action: 'revoke-grant', grant: adaGrant.grant.id },
      { csrf: null },
    );
    expect(response.status).toBe(403);
    await adaStillHasAccess();
  });

  it("a revoke with another session's CSRF token is refused (403)", async () => {
    const malloryToken = await accountCsrf(srv, mallory);
    const response = await postAccount(
      srv,
      ada,
      { action: 'revoke-grant', grant: adaGrant.grant.id },
      { csrf: malloryToken },
    );
    expect(response.status).toBe(403);
    await adaStillHasAccess();
  });

  it('a revoke posted from another origin is refused (403) before the token is looked at', async () => {
    const response = await postAccount(
      srv,
      ada,
      { action: 'revoke-grant', grant: adaGrant.grant.id },
      { origin: 'https://evil.example' },
    );
    expect(response.status).toBe(403);
    await adaStillHasAccess();
  });

  it('a revoke without a session goes to sign-in and changes nothing', async () => {
    const stranger = new UserAgent(srv.origin);
    const response = await postAccount(
      srv,
      stranger,
      { action: 'revoke-grant', grant: adaGrant.grant.id },
      { csrf: 'x'.repeat(43) },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/login\?return_to=/);
    await adaStillHasAccess();
    expect((await refresh(srv, adaGrant.refreshToken)).status).toBe(200);
  });

  it("unlinking another user's identity is refused (404) and the link stays", async () => {
    const response = await postAccount(srv, mallory, {
      action: 'unlink',
      issuer: 'https://idp.example',
      subject: 'ada-upstream',
    });
    expect(response.status).toBe(404);
    const user = (await srv.gh.store.getUserByEmail(USER.email))!;
    expect(await srv.gh.store.listLinkedIdentities(user.id)).toHaveLength(1);
  });

  it('the page is never shown in a frame of another site', async () => {
    const page = await ada.request(`${srv.issuer}/account`);
    const framing = `${page.headers.get('content-security-policy')} ${page.headers.get('x-frame-options')}`;
    expect(framing).toMatch(/frame-ancestors 'none'|DENY/);
  });
});
