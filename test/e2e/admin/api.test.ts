/**
 * Admin API conformance: every operation, through the automation bearer token and through an
 * administrator's session (docs/admin-api.md). Each mutating call is audited with the acting admin.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse } from '../../../src/gatehouse.js';
import { editResource } from '../../../src/operations/resources.js';
import { admin, adminToken, register } from '../../helpers/dcr.js';
import { RESOURCE, USER } from '../../helpers/fixtures.js';
import { ADMIN, type AdminServer, dashboardCsrf, sessionApi, signIn, startAdminServer } from './support.js';

let srv: AdminServer;
let call: ReturnType<typeof admin>;

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function clientCredentials(id: string, secret: string) {
  const response = await fetch(`${srv.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function lastEvent(type: string) {
  const [event] = await srv.gh.store.listAuditEvents({ type, limit: 1 });
  return event;
}

beforeAll(async () => {
  srv = await startAdminServer();
  call = admin(srv.issuer, await adminToken(srv.issuer));
});
afterAll(() => srv.close());

describe('clients', () => {
  it('creates a confidential machine client whose secret is returned once and works at the token endpoint', async () => {
    const created = await call('POST', 'clients', {
      client_name: 'CI job',
      confidential: true,
      grant_types: ['client_credentials'],
      scope: 'todos.read',
    });
    expect(created.status).toBe(201);
    const secret = String(created.body.client_secret);
    expect(secret).toMatch(/^ghsec_/);
    const client = created.body.client as Record<string, unknown>;
    expect(client).toMatchObject({ source: 'preregistered', has_secret: true, client_name: 'CI job' });
    expect(JSON.stringify(client)).not.toContain(secret);
    expect((await clientCredentials(String(client.client_id), secret)).status).toBe(200);
    const detail = await call('GET', `clients/${client.client_id}`);
    expect(JSON.stringify(detail.body)).not.toContain(secret);
    expect(detail.body).toMatchObject({ active_grants: 0, cimd: null });
    expect(await lastEvent('client.created')).toMatchObject({
      clientId: client.client_id,
      actor: 'client:ops-bot',
    });
  });

  it('creates a public client without a secret, and refuses invalid metadata with 400 naming the field', async () => {
    const created = await call('POST', 'clients', {
      client_name: 'SPA',
      redirect_uris: ['https://spa.example/cb'],
    });
    expect(created.status).toBe(201);
    expect(created.body.client_secret).toBeUndefined();
    expect(created.body.client).toMatchObject({ token_endpoint_auth_method: 'none', has_secret: false });
    const bad = await call('POST', 'clients', {
      client_name: 'Bad',
      redirect_uris: ['http://evil.example/cb'],
    });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error_description)).toMatch(/redirect_uris/);
    const wrongType = await call('POST', 'clients', { client_name: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error_description).toBe("'client_name' must be a string");
  });

  it('refuses a chosen client_secret, saying that secrets are generated with "confidential": true', async () => {
    const chosen = await call('POST', 'clients', {
      client_id: 'chosen-secret',
      client_secret: 'a-secret-the-caller-picked-0123456789abcdef',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
    });
    expect(chosen.status).toBe(400);
    expect(chosen.body.error).toBe('invalid_client_metadata');
    expect(chosen.body.error_description).toContain('send confidential: true');
    expect((await call('GET', 'clients/chosen-secret')).status).toBe(404);
  });

  it('rotating a secret makes the old one fail and the new one work', async () => {
    const created = await call('POST', 'clients', {
      confidential: true,
      grant_types: ['client_credentials'],
    });
    const id = String((created.body.client as { client_id: string }).client_id);
    const old = String(created.body.client_secret);
    const rotated = await call('POST', `clients/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const fresh = String(rotated.body.client_secret);
    expect(fresh).not.toBe(old);
    expect((await clientCredentials(id, old)).status).toBe(401);
    expect((await clientCredentials(id, fresh)).status).toBe(200);
    expect(await lastEvent('client.secret_rotated')).toMatchObject({ clientId: id });
    const publicClient = await call('POST', `clients/native-app/rotate-secret`);
    expect(publicClient.status).toBe(400);
  });

  it('edits redirect URIs and scopes of a preregistered client, validating each URI', async () => {
    const edited = await call('PATCH', 'clients/native-app', {
      redirect_uris: ['http://127.0.0.1/callback', 'http://127.0.0.1/other'],
      scope: 'todos.read',
    });
    expect(edited.status).toBe(200);
    expect(edited.body.client).toMatchObject({
      redirect_uris: ['http://127.0.0.1/callback', 'http://127.0.0.1/other'],
      scope: 'todos.read',
    });
    expect(
      (await call('PATCH', 'clients/native-app', { redirect_uris: ['https://x.example/#frag'] })).status,
    ).toBe(400);
    expect((await call('PATCH', 'clients/native-app', { redirect_uris: [] })).status).toBe(400);
    expect((await call('PATCH', 'clients/native-app', { scope: null })).body.client).toMatchObject({
      scope: null,
    });
    const event = await lastEvent('client.updated');
    expect(event?.detail).toMatchObject({ before: { scope: 'todos.read' } });
  });

  it('lists with filters by lane, status, resource and text, paginated by cursor', async () => {
    const dcr = await register(srv.issuer, {
      client_name: 'Filter Tool',
      redirect_uris: ['http://127.0.0.1/cb'],
    });
    const dcrId = String(dcr.body.client_id);
    const byLane = await call('GET', 'clients?source=dcr');
    expect((byLane.body.clients as { client_id: string }[]).map((c) => c.client_id)).toContain(dcrId);
    expect((byLane.body.clients as { source: string }[]).every((c) => c.source === 'dcr')).toBe(true);
    const byText = await call('GET', 'clients?q=filter%20tool');
    expect((byText.body.clients as { client_id: string }[]).map((c) => c.client_id)).toEqual([dcrId]);
    const byResource = await call('GET', `clients?resource=${encodeURIComponent(`${srv.issuer}/admin`)}`);
    expect((byResource.body.clients as { client_id: string }[]).map((c) => c.client_id)).toContain('ops-bot');
    expect((await call('GET', 'clients?status=gone')).status).toBe(400);
    const first = await call('GET', 'clients?limit=2');
    expect(first.body.clients).toHaveLength(2);
    const second = await call('GET', `clients?limit=2&after=${encodeURIComponent(String(first.body.next))}`);
    const ids = [
      ...(first.body.clients as { client_id: string }[]),
      ...(second.body.clients as { client_id: string }[]),
    ];
    expect(new Set(ids.map((c) => c.client_id)).size).toBe(4);
  });

  it('disable needs a reason, enable restores, revoke-sessions and delete are audited', async () => {
    const dcr = await register(srv.issuer, { client_name: 'Doomed', redirect_uris: ['http://127.0.0.1/cb'] });
    const id = String(dcr.body.client_id);
    expect((await call('POST', `clients/${id}/disable`, {})).status).toBe(400);
    const disabled = await call('POST', `clients/${id}/disable`, { reason: 'abuse report' });
    expect(disabled.body.client).toMatchObject({ disabledReason: 'abuse report' });
    expect((await call('POST', `clients/${id}/enable`)).body.client).toMatchObject({ disabledAt: null });
    expect((await call('POST', `clients/${id}/revoke-sessions`)).body).toEqual({ grants_revoked: 0 });
    expect((await call('DELETE', `clients/${id}`)).status).toBe(204);
    expect((await call('GET', `clients/${id}`)).status).toBe(404);
    const types = (await srv.gh.store.listAuditEvents({ clientId: id })).map((e) => [e.type, e.actor]);
    expect(types).toEqual(
      expect.arrayContaining([
        ['client.disabled', 'client:ops-bot'],
        ['client.enabled', 'client:ops-bot'],
        ['client.sessions_revoked', 'client:ops-bot'],
        ['client.deleted', 'client:ops-bot'],
      ]),
    );
  });
});

describe('resources', () => {
  it('lists and edits name, scopes and lanes; metadata and new requests follow at once', async () => {
    const list = await call('GET', 'resources');
    const resources = list.body.resources as { resource: string }[];
    expect(resources.map((r) => r.resource)).toEqual([RESOURCE, 'https://other.test/api']);
    const edited = await call('PATCH', 'resources', {
      resource: 'https://other.test/api',
      name: 'Other API v2',
      scopes: ['other.read', 'other.write'],
      lanes: { dcr: false },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.resource).toMatchObject({
      name: 'Other API v2',
      scopes: ['other.read', 'other.write'],
      lanes: { preregistered: true, cimd: true, dcr: false },
    });
    const metadata = await (await fetch(`${srv.origin}/.well-known/oauth-authorization-server`)).json();
    expect(metadata.scopes_supported).toContain('other.write');
    expect(
      (await call('PATCH', 'resources', { resource: 'https://other.test/api', scopes: ['bad scope"'] }))
        .status,
    ).toBe(400);
    expect((await call('PATCH', 'resources', { resource: `${srv.issuer}/admin`, name: 'x' })).status).toBe(
      404,
    );
    expect(
      (await call('PATCH', 'resources', { resource: 'https://other.test/api', lanes: { web: true } })).status,
    ).toBe(400);
    expect(await lastEvent('resource.updated')).toMatchObject({ actor: 'client:ops-bot' });
  });

  it('an edit made on one instance reaches another instance of the same database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-admin-'));
    const options = {
      issuer: 'http://127.0.0.1:1',
      secret: 'x'.repeat(40),
      database: `sqlite:${join(dir, 'shared.db')}`,
      logger: false as const,
      resources: [{ resource: RESOURCE, name: 'Todo MCP', scopes: ['todos.read'] }],
    };
    const a = await createGatehouse(options);
    const b = await createGatehouse(options);
    try {
      await editResource(
        a.context,
        RESOURCE,
        { name: 'Renamed on A', scopes: ['todos.read', 'todos.admin'] },
        'test',
      );
      expect(a.context.resources.snapshot().resources[0]).toMatchObject({ name: 'Renamed on A' });
      // B serves its cached copy until its refresh interval passes; then it reads the edit.
      await b.context.resources.refresh();
      expect(b.context.resources.snapshot().resources[0]).toMatchObject({
        name: 'Renamed on A',
        scopes: ['todos.read', 'todos.admin'],
      });
      // A restart keeps the edit: the configuration only seeds resources that are not stored yet.
      const c = await createGatehouse(options);
      expect(c.context.resources.snapshot().resources[0]).toMatchObject({ name: 'Renamed on A' });
      await c.close();
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('users', () => {
  it('lists, searches, creates, and shows a user without the password hash', async () => {
    const created = await call('POST', 'users', {
      email: 'New.Person@Example.com',
      password: 'long enough pw',
    });
    expect(created.status).toBe(201);
    const user = created.body.user as Record<string, unknown>;
    expect(user).toMatchObject({ email: 'new.person@example.com', admin: false });
    expect(user.passwordHash).toBeUndefined();
    expect(
      (await call('POST', 'users', { email: 'new.person@example.com', password: 'long enough pw' })).status,
    ).toBe(409);
    expect((await call('POST', 'users', { email: 'x@example.com', password: 'short' })).status).toBe(400);
    const search = await call('GET', 'users?q=NEW.PERSON');
    expect((search.body.users as { id: string }[]).map((u) => u.id)).toEqual([user.id]);
    const page = await call('GET', 'users?limit=1');
    expect(page.body.next).toBeTruthy();
    const detail = await call('GET', `users/${user.id}`);
    expect(detail.body).toMatchObject({ grants: [] });
    expect(JSON.stringify(detail.body)).not.toContain('argon2');
  });

  it('disabling a user revokes their sessions and grants and blocks sign-in; enabling restores sign-in', async () => {
    const created = await call('POST', 'users', { email: 'temp@example.com', password: 'temp password 1' });
    const id = String((created.body.user as { id: string }).id);
    await signIn(srv.origin, srv.issuer, { email: 'temp@example.com', password: 'temp password 1' });
    const disabled = await call('POST', `users/${id}/disable`);
    expect(disabled.body).toMatchObject({ sessions: 1, grants: 0 });
    await expect(
      signIn(srv.origin, srv.issuer, { email: 'temp@example.com', password: 'temp password 1' }),
    ).rejects.toThrow(/401/);
    await call('POST', `users/${id}/enable`);
    await signIn(srv.origin, srv.issuer, { email: 'temp@example.com', password: 'temp password 1' });
    expect((await call('POST', `users/${id}/revoke-sessions`)).body).toEqual({ sessions: 1, grants: 0 });
    expect(await lastEvent('user.disabled')).toMatchObject({ userId: id, actor: 'client:ops-bot' });
  });

  it('a password reset goes only to the mailer; the hosted page sets the password once', async () => {
    const created = await call('POST', 'users', {
      email: 'forgetful@example.com',
      password: 'old password 1',
    });
    const id = String((created.body.user as { id: string }).id);
    const sent = await call('POST', `users/${id}/reset-password`);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ sent: true });
    const message = srv.mail.at(-1)!;
    expect(message.to).toBe('forgetful@example.com');
    const token = new URL(message.link).searchParams.get('token')!;
    expect(token).toMatch(/^ghp_/);
    expect(JSON.stringify(sent.body)).not.toContain(token);
    expect(message.text).toContain(message.link);
    // Only a hash of the secret is stored.
    const stored = await srv.gh.store.getAccountToken(token.slice(4, 26));
    expect(stored?.secretHash).not.toContain(token.slice(27));

    const { UserAgent } = await import('../../helpers/user-agent.js');
    const agent = new UserAgent(srv.origin);
    const page = await agent.request(message.link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('forgetful@example.com');
    const done = await agent.submit(html, { password: 'new password 22' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Password changed');
    await signIn(srv.origin, srv.issuer, { email: 'forgetful@example.com', password: 'new password 22' });
    // Single use.
    const again = await agent.submit(html, { password: 'third password 3' });
    expect(again.status).toBe(400);
    expect((await agent.request(message.link)).status).toBe(400);
  });
});

describe('audit, keys, overview, settings', () => {
  it('filters the audit log by type, client, user and time range, paginates, and exports JSON lines', async () => {
    const all = await call('GET', 'audit?limit=1000');
    const events = all.body.events as { id: number; at: number; type: string }[];
    expect(events.length).toBeGreaterThan(5);
    const byType = await call('GET', 'audit?type=client.created');
    expect((byType.body.events as { type: string }[]).every((e) => e.type === 'client.created')).toBe(true);
    const byClient = await call('GET', 'audit?client_id=native-app');
    expect((byClient.body.events as { clientId: string }[]).every((e) => e.clientId === 'native-app')).toBe(
      true,
    );
    const future = await call('GET', `audit?since=${Date.now() + 86_400_000}`);
    expect(future.body.events).toEqual([]);
    const isoDay = new Date().toISOString().slice(0, 10);
    expect(
      ((await call('GET', `audit?since=${isoDay}&until=${isoDay}`)).body.events as unknown[]).length,
    ).toBeGreaterThan(0);
    expect((await call('GET', 'audit?since=yesterday')).status).toBe(400);
    const page = await call('GET', 'audit?limit=2');
    const older = await call('GET', `audit?limit=2&before=${page.body.next}`);
    expect((older.body.events as { id: number }[])[0]!.id).toBeLessThan(
      (page.body.events as { id: number }[])[1]!.id,
    );
    const token = await adminToken(srv.issuer);
    const exported = await fetch(`${srv.issuer}/admin/api/audit/export?type=client.created`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await exported.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.length).toBe((byType.body.events as unknown[]).length);
    expect(lines.every((l) => l.type === 'client.created')).toBe(true);
  });

  it('lists keys with their state and rotates: next becomes active, active retires', async () => {
    const before = (await call('GET', 'keys')).body.keys as { kid: string; state: string }[];
    expect(before.map((k) => k.state).sort()).toEqual(['active', 'next']);
    const rotated = await call('POST', 'keys/rotate');
    const after = rotated.body.keys as { kid: string; state: string }[];
    const state = (kid: string) => after.find((k) => k.kid === kid)?.state;
    expect(state(before.find((k) => k.state === 'next')!.kid)).toBe('active');
    expect(state(before.find((k) => k.state === 'active')!.kid)).toBe('retiring');
    expect(after.filter((k) => k.state === 'next')).toHaveLength(1);
    expect(await lastEvent('keys.rotated')).toMatchObject({ actor: 'client:ops-bot' });
  });

  it('overview counts clients by lane; settings hide every secret', async () => {
    const overview = (await call('GET', 'overview')).body as {
      clients: Record<string, { active: number }>;
      days: unknown[];
    };
    expect(overview.clients.preregistered!.active).toBeGreaterThan(3);
    expect(overview.days).toHaveLength(14);
    const settings = JSON.stringify((await call('GET', 'settings')).body);
    expect(settings).toContain('[hidden]');
    for (const secret of [srv.gh.config.secret, 'admin-secret-0123456789', USER.password, ADMIN.password])
      expect(settings).not.toContain(secret);
  });
});

describe('an administrator session', () => {
  it('reads with the cookie alone, and mutates with the CSRF header, audited as the user', async () => {
    const { agent } = await signIn(srv.origin, srv.issuer, ADMIN);
    const read = sessionApi(agent, srv.issuer);
    expect((await read('GET', 'clients?limit=1')).status).toBe(200);
    expect((await read('POST', 'clients/native-app/enable')).status).toBe(403);
    const csrf = await dashboardCsrf(agent, srv.issuer);
    const write = sessionApi(agent, srv.issuer, csrf);
    expect((await write('POST', 'clients/native-app/enable')).status).toBe(200);
    const adminUser = await srv.gh.store.getUserByEmail(ADMIN.email);
    // The event also records where the administrator acted from.
    expect(await lastEvent('client.enabled')).toMatchObject({
      actor: `user:${adminUser!.id}`,
      ip: '127.0.0.1',
    });
  });
});
