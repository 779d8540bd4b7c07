/**
 * The key-rotation rule (src/operations/keys.ts; docs/operations.md, "Key rotation") cannot be bypassed:
 * a key signs only once every instance and every JWKS cache can know it, through the admin API and the
 * CLI alike. A rotation too soon is scheduled, a second one while it is pending is refused (409) and
 * changes nothing, and only an explicit `force` (boolean true / `--force`) overrides it, audited as forced.
 * Default windows here: key cache 30 s + JWKS max-age 300 s + clock skew 5 s = 335 s.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { type AdminServer, startAdminServer } from '../e2e/admin/support.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { admin, adminToken } from '../helpers/dcr.js';
import { TEST_SECRET, testDatabase } from '../helpers/server.js';

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('key rotation through the admin API', () => {
  let srv: AdminServer;
  beforeAll(async () => {
    srv = await startAdminServer();
  });
  afterAll(() => srv.close());

  const forcedEvents = async () =>
    (await srv.gh.store.listAuditEvents({ type: 'keys.rotated' })).filter((e) => e.detail.forced === true);

  it('schedules a rotation whose next key is too young, refuses a second one, and no request shape forces it', async () => {
    const token = await adminToken(srv.issuer);
    const call = admin(srv.issuer, token);
    const signing = kidOf(token);

    const first = await call('POST', 'keys/rotate');
    expect(first.status).toBe(202);
    const rotation = first.body.rotation as { status: string; activateAt: number; message: string };
    expect(rotation.status).toBe('scheduled');
    expect(rotation.message).toMatch(
      /was published \d+ s ago; it signs from .* UTC, when every instance \(key cache 30 s\) and every JWKS cache \(max-age 300 s\) has seen it/,
    );
    expect(rotation.activateAt).toBeGreaterThan(Date.now() + 300_000);
    // Tokens are still signed by the key that signed before.
    expect(kidOf(await adminToken(srv.issuer))).toBe(signing);

    const keys = await srv.gh.store.listSigningKeys();
    const refusals: [string, unknown, string?][] = [
      ['no body', undefined],
      ['force false', { force: false }],
      ['a field that is not force', { Force: true, forced: true, emergency: true }],
      ['force in the query string', undefined, '?force=true'],
    ];
    for (const [what, body, query = ''] of refusals) {
      const refused = await fetch(`${srv.issuer}/admin/api/keys/rotate${query}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'x-force': 'true',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(refused.status, what).toBe(409);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(300);
      const error = (await refused.json()) as { error: string; error_description: string };
      expect(error.error).toBe('invalid_request');
      expect(error.error_description).toMatch(/A rotation is already scheduled: key \S+ signs from .* UTC/);
      expect(error.error_description).toContain('--force');
    }
    for (const force of ['true', 1, 'yes', null, [true], { value: true }]) {
      const malformed = await call('POST', 'keys/rotate', { force });
      expect([malformed.status, malformed.body.error], JSON.stringify(force)).toEqual([
        400,
        'invalid_request',
      ]);
    }
    expect(await srv.gh.store.listSigningKeys()).toEqual(keys);
    expect(kidOf(await adminToken(srv.issuer))).toBe(signing);
    expect(await forcedEvents()).toEqual([]);
  });

  it('force: true makes the next key sign at once, says what that costs, and is audited as forced', async () => {
    const token = await adminToken(srv.issuer);
    const next = (await srv.gh.store.listSigningKeys()).find((k) => k.state === 'next')!;
    const forced = await admin(srv.issuer, token)('POST', 'keys/rotate', {
      force: true,
      reason: 'key in a log',
    });
    expect(forced.status).toBe(200);
    const rotation = forced.body.rotation as { forced: boolean; active: string; message: string };
    expect(rotation).toMatchObject({ forced: true, active: next.kid });
    expect(rotation.message).toMatch(
      /Forced \(emergency\) rotation: .* refused by other instances for up to \d+ s and by resource servers holding an older JWKS for up to \d+ s/,
    );
    expect(kidOf(await adminToken(srv.issuer))).toBe(next.kid);
    const [event] = await forcedEvents();
    expect(event).toMatchObject({
      actor: 'client:ops-bot',
      detail: { forced: true, reason: 'key in a log', active: next.kid, status: 'rotated' },
    });
    expect(event!.detail.refusedUpToSeconds).toBeDefined();
  });
});

describe('key rotation through the CLI', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    dir = await tempDir();
    const db =
      process.env['GATEHOUSE_TEST_DATABASE'] === 'postgres'
        ? await testDatabase()
        : { url: `sqlite:${join(dir, 'keys.db')}`, cleanup: async () => {} };
    cleanup = db.cleanup;
    file = join(dir, 'gatehouse.json');
    await writeFile(
      file,
      JSON.stringify({ issuer: 'http://127.0.0.1:4000', database: db.url, secret: TEST_SECRET }),
    );
    expect((await runCli(['migrate', '--config', file])).code).toBe(0);
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('schedules, then refuses with the reason and a non-zero exit, changing nothing; --force is audited', async () => {
    const scheduled = await runCli(['keys', 'rotate', '--config', file]);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stderr).toMatch(/it signs from .* UTC, when every instance \(key cache 30 s\)/);
    const printed = JSON.parse(scheduled.stdout) as { state: string; activateAt: string | null }[];
    expect(Date.parse(printed.find((k) => k.state === 'active')!.activateAt!)).toBeGreaterThan(Date.now());

    const keys = await store.listSigningKeys();
    for (const args of [[], ['--forc'], ['--force=yes'], ['--reason', 'force']]) {
      const refused = await runCli(['keys', 'rotate', ...args, '--config', file]);
      expect(refused.code, args.join(' ')).not.toBe(0);
      if (args.length === 0 || args[0] === '--reason')
        expect(refused.stderr).toMatch(
          /A rotation is already scheduled: key \S+ signs from .* UTC .*--force/s,
        );
    }
    expect(await store.listSigningKeys()).toEqual(keys);

    const next = keys.find((k) => k.state === 'next')!;
    const forced = await runCli(['keys', 'rotate', '--force', '--reason', 'laptop stolen', '--config', file]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/Forced \(emergency\) rotation: key \S+ signs now/);
    const after = await store.listSigningKeys();
    expect(after.find((k) => k.state === 'active')?.kid).toBe(next.kid);
    const events = await store.listAuditEvents({ type: 'keys.rotated' });
    expect(events.map((e) => [e.actor, e.detail.forced, e.detail.status])).toEqual([
      ['cli', true, 'rotated'],
      ['cli', false, 'scheduled'],
    ]);
    expect(events[0]!.detail.reason).toBe('laptop stolen');
  }, 120_000);
});
