import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminToken, dcrOptions, register } from '../../helpers/dcr.js';
import { MACHINE_SECRET } from '../../helpers/fixtures.js';
import { codeFlow } from '../../helpers/oauth4.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { postgresBackend } from '../../store/backends.js';

const DAY = 86_400_000;

/** Registers a DCR client and runs one authorization for it; returns its tokens. */
async function registeredClientWithTokens(srv: TestServer, name: string) {
  const reg = await register(srv.issuer, {
    redirect_uris: ['http://127.0.0.1/callback'],
    client_name: name,
    grant_types: ['authorization_code', 'refresh_token'],
  });
  return codeFlow(srv, { clientId: String(reg.body.client_id) });
}

describe('client lifecycle through the admin API', () => {
  let srv: TestServer;
  let call: ReturnType<typeof admin>;
  beforeAll(async () => {
    srv = await startServer((origin) => dcrOptions({}, origin));
    call = admin(srv.issuer, await adminToken(srv.issuer));
  });
  afterAll(() => srv.close());

  it('answers 401 without a token, and 401 for a token of another resource, with no data', async () => {
    const anonymous = await fetch(`${srv.issuer}/admin/api/clients`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.json()).toEqual({
      error: 'invalid_token',
      error_description: 'an admin access token is required',
    });
    const other = (await (
      await fetch(`${srv.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      })
    ).json()) as { access_token: string };
    const wrong = await admin(srv.issuer, other.access_token)('GET', 'clients');
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toHaveProperty('clients');
  });

  it('refuses a client that does not list the admin resource a token for it (invalid_target)', async () => {
    const response = await fetch(`${srv.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${srv.issuer}/admin` }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_target');
  });

  it('disables a client with a reason: grants die, /token refuses it, /authorize explains; enabling restores it', async () => {
    const { client, tokens, refresh, agent, authorizeUrl } = await registeredClientWithTokens(
      srv,
      'To disable',
    );
    const id = encodeURIComponent(client.client_id);
    expect((await call('POST', `clients/${id}/disable`, {})).status).toBe(400);
    const disabled = await call('POST', `clients/${id}/disable`, { reason: 'phishing report #42' });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({
      grants_revoked: 1,
      client: { disabledReason: 'phishing report #42' },
    });
    // The grant is revoked in the database at once: no answer is ever a token. Another instance (the
    // two-instance topology) hears of the disabled client by a PostgreSQL notification
    // (store/client-peers.ts), milliseconds later; until then its refusal is the revoked grant's.
    const until = Date.now() + 2_000;
    let refused = await refresh(tokens.refresh_token!);
    while (refused.status === 400 && Date.now() < until) {
      expect(refused.body.error).toBe('invalid_grant');
      await new Promise((r) => setTimeout(r, 20));
      refused = await refresh(tokens.refresh_token!);
    }
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
    const page = await agent.request(authorizeUrl);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('disabled by an administrator');

    expect((await call('POST', `clients/${id}/enable`)).status).toBe(200);
    // The old grant stays revoked; a new authorization works again.
    expect((await refresh(tokens.refresh_token!)).body.error).toBe('invalid_grant');
    const detail = await call('GET', `clients/${id}`);
    expect(detail.body).toMatchObject({ client: { disabledAt: null }, active_grants: 0 });
    const events = (detail.body.recent_events as { type: string; actor: string }[]).map(
      (e) => `${e.type}:${e.actor ?? ''}`,
    );
    expect(events).toEqual(
      expect.arrayContaining(['client.disabled:client:ops-bot', 'client.enabled:client:ops-bot']),
    );
  });

  it('revokes every session of a client, and deletes a client with all its rows', async () => {
    const { client, tokens, refresh } = await registeredClientWithTokens(srv, 'To delete');
    const id = encodeURIComponent(client.client_id);
    expect((await call('POST', `clients/${id}/revoke-sessions`)).body).toEqual({ grants_revoked: 1 });
    expect((await refresh(tokens.refresh_token!)).body.error).toBe('invalid_grant');
    expect((await call('DELETE', `clients/${id}`)).status).toBe(204);
    expect((await call('GET', `clients/${id}`)).status).toBe(404);
    expect(await srv.gh.store.listGrants({ clientId: client.client_id })).toEqual([]);
  });

  it('lists clients by lane and status, and the audit log by type', async () => {
    const list = await call('GET', 'clients?source=dcr&status=active&limit=500');
    const clients = list.body.clients as { source: string; secretHash?: string; has_secret: boolean }[];
    expect(clients.length).toBeGreaterThan(0);
    expect(clients.every((c) => c.source === 'dcr' && c.has_secret === false && !('secretHash' in c))).toBe(
      true,
    );
    const audit = await call('GET', 'audit?type=client.deleted');
    expect((audit.body.events as { type: string }[]).every((e) => e.type === 'client.deleted')).toBe(true);
  });
});

describe('stale registered clients are cleaned up periodically (PostgreSQL)', () => {
  const backend = postgresBackend();
  let now = Date.now();
  let srv: TestServer;
  beforeAll(async () => {
    const database = await backend.freshUrl();
    srv = await startServer((origin) => ({
      ...dcrOptions({ staleAfterDays: 30 }, origin),
      database,
      clock: () => now,
    }));
  });
  afterAll(async () => {
    await srv.close();
    await backend.cleanup();
  });

  it('deletes clients unused for the period with their grants and tokens, keeps active ones, and audits it', async () => {
    const stale = await registeredClientWithTokens(srv, 'Stale');
    const neverUsed = await register(srv.issuer, { redirect_uris: ['http://127.0.0.1/never'] });
    now += 25 * DAY;
    const active = await registeredClientWithTokens(srv, 'Active');
    now += 10 * DAY;
    // `active` was used 10 days ago (its refresh token is still within the 14-day idle limit); `stale`
    // was used 35 days ago; `neverUsed` was registered 35 days ago.
    await srv.gh.runHousekeeping();
    expect(await srv.gh.store.getClient(stale.client.client_id)).toBeUndefined();
    expect(await srv.gh.store.getClient(String(neverUsed.body.client_id))).toBeUndefined();
    expect(await srv.gh.store.listGrants({ clientId: stale.client.client_id })).toEqual([]);
    expect(await srv.gh.store.getClient(active.client.client_id)).toBeDefined();
    expect((await active.refresh(active.tokens.refresh_token!)).status).toBe(200);
    expect(await srv.gh.store.getClient('native-app')).toBeDefined();
    const audit = await srv.gh.store.listAuditEvents({ type: 'client.deleted' });
    expect(audit.filter((e) => e.actor === 'cleanup').map((e) => e.clientId)).toEqual(
      expect.arrayContaining([stale.client.client_id, String(neverUsed.body.client_id)]),
    );
  });
});
