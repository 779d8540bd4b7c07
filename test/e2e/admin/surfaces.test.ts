/**
 * The admin API, the dashboard and the CLI call the same operations (src/operations/), so the same
 * change leaves the same audit event whichever surface asked; only the actor differs. Here the CLI
 * (node bin/gatehouse.js, built) and the admin API work on one SQLite database.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdministrator } from '../../../src/operations/users.js';
import { runCli, tempDir } from '../../helpers/cli.js';
import { admin, adminToken } from '../../helpers/dcr.js';
import { TEST_SECRET } from '../../helpers/server.js';
import { type AdminServer, startAdminServer } from './support.js';

/** No cache to wait for: each key rotation may promote at once (operations/keys.ts). */
const NO_KEY_CACHES = { signingKeyCacheTtl: 0, jwksMaxAge: 0, signingKeyClockSkew: 0 };

let dir: string;
let file: string;
let database: string;
let srv: AdminServer | undefined;

async function cli(...args: string[]) {
  const result = await runCli([...args, '--config', file]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

beforeAll(async () => {
  dir = await tempDir();
  database = `sqlite:${join(dir, 'surfaces.db')}`;
  file = join(dir, 'gatehouse.json');
  await writeFile(
    file,
    JSON.stringify({ issuer: 'http://127.0.0.1:4000', database, secret: TEST_SECRET, ...NO_KEY_CACHES }),
  );
  await cli('migrate');
});
afterAll(async () => {
  await srv?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('one operation, one audit event, whichever surface runs it', () => {
  it('keys rotate from the CLI and POST /admin/api/keys/rotate record the same detail', async () => {
    await cli('keys', 'rotate');
    srv = await startAdminServer(() => ({ database, ...NO_KEY_CACHES }));
    const call = admin(srv.issuer, await adminToken(srv.issuer));
    expect((await call('POST', 'keys/rotate')).status).toBe(200);

    const [fromApi, fromCli] = await srv.gh.store.listAuditEvents({ type: 'keys.rotated', limit: 2 });
    expect(fromCli).toMatchObject({ actor: 'cli' });
    expect(fromApi).toMatchObject({ actor: 'client:ops-bot' });
    expect(Object.keys(fromApi!.detail).sort()).toEqual(Object.keys(fromCli!.detail).sort());
    expect(Object.keys(fromCli!.detail).sort()).toEqual([
      'activateAt',
      'active',
      'forced',
      'reason',
      'retiring',
      'status',
    ]);
    // The key the CLI made active is the one the API's rotation retired.
    expect(fromApi!.detail.retiring).toBe(fromCli!.detail.active);
    const keys = await srv.gh.store.listSigningKeys();
    expect(keys.find((k) => k.state === 'active')?.kid).toBe(fromApi!.detail.active);
  });

  it('users create from the CLI and POST /admin/api/users record the same detail', async () => {
    const server = srv!;
    const call = admin(server.issuer, await adminToken(server.issuer));
    await cli('users', 'create', '--email', 'cli-made@example.com', '--password', 'password 1234');
    const created = await call('POST', 'users', { email: 'api-made@example.com', password: 'password 1234' });
    expect(created.status).toBe(201);

    const [fromApi, fromCli] = await server.gh.store.listAuditEvents({ type: 'user.created', limit: 2 });
    expect(fromCli).toMatchObject({ actor: 'cli' });
    expect(fromApi).toMatchObject({ actor: 'client:ops-bot' });
    expect(fromApi!.detail).toEqual(fromCli!.detail);
    expect(fromCli!.detail).toEqual({ admin: false, email_verified: false });
  });

  it('the demo makes its existing user an administrator through an operation, audited once', async () => {
    const server = srv!;
    await ensureAdministrator(server.gh.context, 'CLI-made@example.com', 'demo');
    await ensureAdministrator(server.gh.context, 'cli-made@example.com', 'demo');
    expect(await server.gh.store.getUserByEmail('cli-made@example.com')).toMatchObject({ admin: true });
    const events = await server.gh.store.listAuditEvents({ type: 'user.updated' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'demo', detail: { admin: true } });
  });
});
