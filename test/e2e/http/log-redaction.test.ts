import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pgModule from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationUrl } from '../../helpers/cimd.js';
import { tempDir } from '../../helpers/cli.js';
import { baseOptions, CONFIDENTIAL_SECRET, MACHINE_SECRET, USER } from '../../helpers/fixtures.js';
import { codeFlow } from '../../helpers/oauth4.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { postgresBackend } from '../../store/backends.js';

const { Client } = pgModule;

import { UserAgent } from '../../helpers/user-agent.js';

/**
 * MCP security considerations ("Token Theft"); checklist §1.17.3: credentials are never logged and never
 * stored in plaintext. A full session (sign-in, consent, code exchange, refresh, replay, revocation,
 * introspection, failures, logout) runs with trace-level logs captured and the database on disk;
 * then every credential it issued or received is searched for in both.
 */
describe('credentials never reach the logs or the database in plaintext', () => {
  let srv: TestServer;
  let dir: string;
  const lines: string[] = [];
  // Under GATEHOUSE_TEST_DATABASE=postgres (CI's Node 24 run) the rows are read back with SQL.
  const onPostgres = process.env['GATEHOUSE_TEST_DATABASE'] === 'postgres';
  const pg = postgresBackend();
  let pgUrl: string | undefined;
  const credentials = new Set<string>([USER.password, CONFIDENTIAL_SECRET, MACHINE_SECRET]);

  beforeAll(async () => {
    dir = await tempDir();
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    pgUrl = onPostgres ? await pg.freshUrl() : undefined;
    srv = await startServer({
      ...baseOptions(),
      database: pgUrl ?? `sqlite:${join(dir, 'gatehouse.db')}`,
      logger: { level: 'trace', destination },
    });
  });
  afterAll(async () => {
    await srv.close();
    await pg.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every byte of the SQLite files, or (on PostgreSQL) every row of every Gatehouse table as JSON. */
  async function databaseContents(): Promise<string> {
    if (!pgUrl) {
      const files = (await readdir(dir)).filter((f) => f.startsWith('gatehouse.db'));
      return (await Promise.all(files.map((f) => readFile(join(dir, f), 'latin1')))).join('');
    }
    const client = new Client({ connectionString: pgUrl });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_name like 'gatehouse_%'",
      );
      let text = '';
      for (const { table_name } of tables.rows) {
        const rows = await client.query(`select row_to_json(t)::text as row from ${table_name} t`);
        text += rows.rows.map((r: { row: string }) => r.row).join('\n');
      }
      return text;
    } finally {
      await client.end();
    }
  }

  it('after a full session, no issued secret, code, token, cookie or password appears anywhere', async () => {
    const agent = new UserAgent(srv.origin);
    // One failed sign-in first, so the failure path is logged too.
    const { url: authorizeUrl } = await authorizationUrl(
      srv.issuer,
      'native-app',
      'http://127.0.0.1:5555/callback',
    );
    const loginPage = await agent
      .request(authorizeUrl)
      .then((r) => agent.request(r.headers.get('location')!));
    await agent.submit(await loginPage.text(), { email: USER.email, password: 'wrong-password-123' });
    credentials.add('wrong-password-123');
    const { as, tokens, code, redeem, refresh } = await codeFlow(srv, {
      clientId: 'native-app',
      redirectUri: 'http://127.0.0.1:5555/callback',
      params: { scope: 'todos.read' },
      agent,
    });
    for (const value of agent.cookies.values()) credentials.add(value);
    credentials.add(code);
    credentials.add(tokens.access_token);
    credentials.add(tokens.refresh_token!);
    // Replay the code (refused, audited), then refresh (refused: the replay revoked the grant).
    expect((await redeem()).status).toBe(400);
    const refreshed = await refresh(tokens.refresh_token!);
    if (refreshed.body.access_token) credentials.add(refreshed.body.access_token);
    if (refreshed.body.refresh_token) credentials.add(refreshed.body.refresh_token);

    const basic = (id: string, secret: string) =>
      `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const cc = (await (
      await fetch(as.token_endpoint!, {
        method: 'POST',
        headers: { ...form, authorization: basic('machine', MACHINE_SECRET) },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      })
    ).json()) as { access_token: string };
    credentials.add(cc.access_token);
    await fetch(as.token_endpoint!, {
      method: 'POST',
      headers: { ...form, authorization: basic('machine', 'not-the-secret-not-the-secret-000') },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    credentials.add('not-the-secret-not-the-secret-000');
    await fetch(as.introspection_endpoint!, {
      method: 'POST',
      headers: { ...form, authorization: basic('machine', MACHINE_SECRET) },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    await fetch(as.revocation_endpoint!, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ client_id: 'native-app', token: tokens.refresh_token! }),
    });
    const logout = await agent.request(`${srv.issuer}/logout`);
    await agent.submit(await logout.text(), {});
    await srv.gh.store.purgeExpired(Date.now());

    expect(lines.length).toBeGreaterThan(10);
    const logs = lines.join('');
    const database = await databaseContents();
    expect(database.length).toBeGreaterThan(0);
    for (const credential of credentials) {
      // The secret part of id.secret credentials is what must never appear; check the whole value and the secret.
      const secretPart = credential.includes('.')
        ? credential.slice(credential.lastIndexOf('.') + 1)
        : credential;
      for (const needle of new Set([credential, secretPart])) {
        expect(logs.includes(needle), `log contains ${needle.slice(0, 12)}…`).toBe(false);
        expect(database.includes(needle), `database contains ${needle.slice(0, 12)}…`).toBe(false);
      }
    }
  });
});
