/**
 * `gatehouse connections list|add|remove|enable|disable`: the same operations as the admin API on the
 * database of a configuration file (node bin/gatehouse.js, as after `npm ci`). The definition comes
 * from a file, and no command prints a secret.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../helpers/cli.js';

const SECRET = 'cli-connection-secret-0123456789abcdef';

describe('gatehouse connections commands', () => {
  let dir: string;
  let file: string;
  const cli = (...args: string[]) => runCli(['connections', ...args, '--config', file]);
  const lines = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    dir = await tempDir();
    file = join(dir, 'gatehouse.json');
    await writeFile(
      file,
      JSON.stringify({
        issuer: 'http://127.0.0.1:4000',
        database: `sqlite:${join(dir, 'connections.db')}`,
        secret: 'cli-connections-secret-cli-connections-0123456789',
        connections: [
          {
            id: 'corp',
            type: 'oidc',
            name: 'Corp SSO',
            issuer: 'https://idp.corp.example',
            client_id: 'gatehouse',
            client_secret: 'configured-secret-0123456789',
          },
        ],
      }),
    );
    await writeFile(
      join(dir, 'partner.json'),
      JSON.stringify({
        id: 'partner',
        type: 'oidc',
        name: 'Partner IdP',
        issuer: 'https://idp.partner.example',
        client_id: 'gatehouse',
        client_secret: SECRET,
      }),
    );
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ id: 'Bad Id', type: 'oidc' }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('adds a connection from a file and lists it next to the configured one, without its secret', async () => {
    const added = await cli('add', '--file', join(dir, 'partner.json'));
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ id: 'partner', source: 'database', enabled: true });
    const listed = await cli('list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(lines(listed.stdout).map((c) => [c.id, c.source])).toEqual([
      ['corp', 'config'],
      ['partner', 'database'],
    ]);
    expect(added.stdout + listed.stdout + added.stderr + listed.stderr).not.toContain(SECRET);
  });

  it('disables and enables a stored connection, and refuses to touch a configured one', async () => {
    const disabled = await cli('disable', 'partner');
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ id: 'partner', enabled: false });
    const enabled = await cli('enable', 'partner');
    expect(JSON.parse(enabled.stdout)).toMatchObject({ enabled: true });
    const configured = await cli('disable', 'corp');
    expect(configured.code).not.toBe(0);
    expect(configured.stderr).toContain('configuration file');
  });

  it('refuses an invalid definition naming the field', async () => {
    const bad = await cli('add', '--file', join(dir, 'bad.json'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/id: must be 1-64/);
  });

  it('removes a stored connection', async () => {
    const removed = await cli('remove', 'partner');
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ deleted: 'partner' });
    expect(lines((await cli('list')).stdout).map((c) => c.id)).toEqual(['corp']);
    expect((await cli('remove', 'partner')).code).not.toBe(0);
  });
});
