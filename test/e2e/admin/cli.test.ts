/**
 * The CLI runs the same admin operations: users list/disable/enable/reset-password/grants and
 * audit tail (node bin/gatehouse.js, as after `npm ci`).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../helpers/cli.js';

const RESOURCE = 'http://127.0.0.1:4100/mcp';

describe('gatehouse users and audit commands', () => {
  let dir: string;
  let file: string;
  let outbox: string;

  beforeAll(async () => {
    dir = await tempDir();
    outbox = join(dir, 'outbox.jsonl');
    file = join(dir, 'gatehouse.config.js');
    // A JS config can carry the mailer hook; this one appends each message to a file.
    await writeFile(
      file,
      `import { appendFile } from 'node:fs/promises';
export default {
  issuer: 'http://127.0.0.1:4000',
  database: ${JSON.stringify(`sqlite:${join(dir, 'admin.db')}`)},
  secret: 'cli-admin-secret-cli-admin-secret-0123456789',
  resources: [{ resource: ${JSON.stringify(RESOURCE)}, scopes: ['todos.read'] }],
  mailer: async (message) => appendFile(${JSON.stringify(outbox)}, JSON.stringify(message) + '\\n'),
};
`,
    );
    for (const email of ['ada@example.com', 'bob@example.com']) {
      const created = await runCli([
        'users',
        'create',
        '--config',
        file,
        '--email',
        email,
        '--password',
        'password 1234',
      ]);
      expect(created.code, created.stderr).toBe(0);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints help for the new commands', async () => {
    for (const args of [
      ['users', 'list'],
      ['users', 'disable'],
      ['users', 'reset-password'],
      ['audit', 'tail'],
    ]) {
      const result = await runCli([...args, '--help']);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/Usage: gatehouse/);
    }
  });

  it('lists and searches users as JSON lines without password hashes', async () => {
    const all = await runCli(['users', 'list', '--config', file]);
    const users = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(users.map((u) => u.email)).toEqual(['ada@example.com', 'bob@example.com']);
    expect(all.stdout).not.toContain('argon2');
    const search = await runCli(['users', 'list', '--config', file, '--search', 'BOB']);
    expect(search.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('disables and enables a user, sends a reset through the mailer, and shows it all in audit tail', async () => {
    const disabled = await runCli(['users', 'disable', '--config', file, '--email', 'bob@example.com']);
    expect(JSON.parse(disabled.stdout)).toEqual({ sessions: 0, grants: 0 });
    expect((await runCli(['users', 'enable', '--config', file, '--email', 'bob@example.com'])).code).toBe(0);
    const reset = await runCli(['users', 'reset-password', '--config', file, '--email', 'bob@example.com']);
    expect(JSON.parse(reset.stdout)).toEqual({ sent: true });
    expect(reset.stdout).not.toContain('ghp_');
    const message = JSON.parse((await readFile(outbox, 'utf8')).trim()) as { to: string; link: string };
    expect(message.to).toBe('bob@example.com');
    expect(message.link).toMatch(/^http:\/\/127\.0\.0\.1:4000\/reset-password\?token=ghp_/);
    expect(
      JSON.parse((await runCli(['users', 'grants', '--config', file, '--email', 'bob@example.com'])).stdout),
    ).toEqual([]);

    const tail = await runCli(['audit', 'tail', '--config', file, '-n', '3']);
    const types = tail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; actor: string });
    expect(types.map((e) => e.type)).toEqual(['user.disabled', 'user.enabled', 'user.password_reset_sent']);
    expect(types.every((e) => e.actor === 'cli')).toBe(true);
    const filtered = await runCli(['audit', 'tail', '--config', file, '--type', 'user.created']);
    expect(filtered.stdout.trim().split('\n')).toHaveLength(2);
    const missing = await runCli(['users', 'disable', '--config', file, '--email', 'nobody@example.com']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no user with the e-mail nobody@example.com/);
  });
});
