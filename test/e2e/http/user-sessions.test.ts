import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByEmail, revokeUserSessions } from '../../../src/admin/users.js';
import { baseOptions, MACHINE_SECRET, RESOURCE, USER } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { UserAgent } from '../../helpers/user-agent.js';

const insecure = { [oauth.allowInsecureRequests]: true };

describe("revoking a user's sessions", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer(baseOptions());
  });
  afterAll(() => srv.close());

  it('ends the browser session and revokes every grant, its refresh tokens and access tokens', async () => {
    const issuer = new URL(srv.issuer);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const client = { client_id: 'native-app' };
    const redirectUri = 'http://127.0.0.1:40000/callback';
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: 'native-app',
      redirect_uri: redirectUri,
      response_type: 'code',
      state: 's',
      resource: RESOURCE,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const agent = new UserAgent(srv.origin);
    const { location } = await agent.authorize(url.href, USER);
    const params = oauth.validateAuthResponse(as, client, new URL(location!), 's');
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        redirectUri,
        verifier,
        insecure,
      ),
    );

    const user = await findUserByEmail(srv.gh.context, USER.email);
    const result = await revokeUserSessions(srv.gh.context, user, 'test');
    expect(result).toEqual({ sessions: 1, grants: 1 });

    const refresh = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      tokens.refresh_token!,
      insecure,
    );
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');

    const introspection = await fetch(as.introspection_endpoint!, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(await introspection.json()).toEqual({ active: false });

    // The same browser must sign in again.
    const again = await agent.request(url.href);
    expect(again.headers.get('location')).toMatch(/\/login\?interaction=/);
    const audit = await srv.gh.store.listAuditEvents({ type: 'user.sessions_revoked' });
    expect(audit[0]).toMatchObject({ userId: user.id, actor: 'test' });
  });
});
