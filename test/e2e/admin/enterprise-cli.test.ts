/**
 * `gatehouse enterprise idps list|add|remove` (issue 17): the CLI runs the same operations as the
 * admin API and the dashboard, on the database the configuration names, audited with the actor `cli`;
 * what the configuration schema refuses is refused here too. Run in process through the commander
 * program the binary builds, each command opening and closing its own Gatehouse as `gatehouse` does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerEnterpriseCommands } from '../../../src/cli/enterprise-commands.js';
import { createGatehouse } from '../../../src/gatehouse.js';
import { testOptions } from '../../helpers/server.js';
import { postgresBackend } from '../../store/backends.js';

const ISSUER = 'http://127.0.0.1:4000';
const CONFIGURED = 'https://idp.configured.example';
const STORED = 'http://127.0.0.1:4999';

let dir: string;
let database: string;
let cleanup: () => Promise<void> = async () => {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-enterprise-cli-'));
  if (process.env['GATEHOUSE_TEST_DATABASE'] === 'postgres') {
    const backend = postgresBackend();
    database = await backend.freshUrl();
    cleanup = () => backend.cleanup();
  } else {
    database = `sqlite:${join(dir, 'cli.db')}`;
  }
});
afterAll(async () => {
  await cleanup();
  await rm(dir, { recursive: true, force: true });
});

const open = () =>
  createGatehouse(
    testOptions(ISSUER, database, {
      resources: [{ resource: 'http://127.0.0.1:4100/mcp', scopes: ['todos.read'] }],
      enterprise: {
        idps: [{ issuer: CONFIGURED, jwks_uri: `${CONFIGURED}/jwks`, subject: 'sub' }],
      },
    }),
  );

/** Runs `gatehouse enterprise idps …` and returns the JSON lines it printed. */
async function run(...args: string[]): Promise<Record<string, unknown>[]> {
  const program = new Command().exitOverride();
  registerEnterpriseCommands(program, open);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await program.parseAsync(['enterprise', 'idps', ...args], { from: 'user' });
    return log.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
  } finally {
    log.mockRestore();
  }
}

describe('gatehouse enterprise idps', () => {
  it('add stores an IdP (loopback JWKS URL allowed, JIT signup), list shows it after the configured one', async () => {
    const [added] = await run(
      'add',
      '--issuer',
      STORED,
      '--jwks-uri',
      `${STORED}/jwks`,
      '--subject',
      'email',
      '--signup',
      '--name',
      'Local IdP',
    );
    expect(added).toMatchObject({ issuer: STORED, source: 'database', signup: true, name: 'Local IdP' });
    const listed = await run('list');
    expect(listed.map((i) => [i.issuer, i.source])).toEqual([
      [CONFIGURED, 'config'],
      [STORED, 'database'],
    ]);
    const gh = await open();
    try {
      const [event] = await gh.store.listAuditEvents({ type: 'enterprise.idp_added', limit: 1 });
      expect(event).toMatchObject({ actor: 'cli', detail: { issuer: STORED } });
    } finally {
      await gh.close();
    }
  });

  it('refuses what the configuration refuses: an empty key set, no keys at all, a configured issuer; nothing is stored', async () => {
    await expect(
      run('add', '--issuer', 'https://x.example', '--jwks', '{"keys":[]}', '--subject', 'sub'),
    ).rejects.toThrow(/jwks/);
    await expect(run('add', '--issuer', 'https://x.example', '--subject', 'sub')).rejects.toThrow(/jwks_uri/);
    await expect(
      run('add', '--issuer', CONFIGURED, '--jwks-uri', `${CONFIGURED}/jwks`, '--subject', 'sub'),
    ).rejects.toThrow(/configured/);
    expect((await run('list')).map((i) => i.issuer)).toEqual([CONFIGURED, STORED]);
  });

  it('remove takes a stored IdP away and refuses to touch a configured one', async () => {
    await expect(run('remove', CONFIGURED)).rejects.toThrow(/configuration file/);
    expect(await run('remove', STORED)).toEqual([{ removed: STORED }]);
    expect((await run('list')).map((i) => i.issuer)).toEqual([CONFIGURED]);
    await expect(run('remove', STORED)).rejects.toThrow(/no enterprise IdP/);
  });
});
