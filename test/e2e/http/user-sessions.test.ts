import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByEmail, revokeUserSessions } from '../../../src/operations/users.js';
import { baseOptions, MACHINE_SECRET, USER } from '../../helpers/fixtures.js';
import { codeFlow } from '../../helpers/oauth4.js';
import { startServer, type TestServer } from '../../helpers/server.js';

describe("revoking a user's sessions", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer(baseOptions());
  });
  afterAll(() => srv.close());

  it('ends the browser session and revokes every grant, its refresh tokens and access tokens', async () => {
    const { as, tokens, refresh, agent, authorizeUrl } = await codeFlow(srv, { clientId: 'native-app' });

    const user = await findUserByEmail(srv.gh.context, USER.email);
    const result = await revokeUserSessions(srv.gh.context, user.id, 'test');
    expect(result).toEqual({ sessions: 1, grants: 1 });

    const refreshed = await refresh(tokens.refresh_token!);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');

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
    const again = await agent.request(authorizeUrl);
    expect(again.headers.get('location')).toMatch(/\/login\?interaction=/);
    const audit = await srv.gh.store.listAuditEvents({ type: 'user.sessions_revoked' });
    expect(audit[0]).toMatchObject({ userId: user.id, actor: 'test' });
  });
});
