/**
 * `gatehouse organizations create|list|add-member|remove-member` (issue 16), run as after `npm ci`
 * (node bin/gatehouse.js), through the same operations as the admin API and the dashboard.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../helpers/cli.js';

describe('gatehouse organizations', () => {
  let dir: string;
  let file: string;
  const run = (...args: string[]) => runCli([...args, '--config', file]);
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
        database: `sqlite:${join(dir, 'orgs.db')}`,
        secret: 'cli-orgs-secret-cli-orgs-secret-0123456789',
        resources: [{ resource: 'http://127.0.0.1:4100/mcp', scopes: ['todos.read'] }],
        users: [
          { email: 'ada@example.com', password: 'password 1234' },
          { email: 'bob@example.com', password: 'password 1234' },
        ],
        organizations: [{ id: 'org_acme', name: 'Acme', domains: ['acme.example'] }],
      }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints help for each command', async () => {
    for (const command of ['create', 'list', 'add-member', 'remove-member']) {
      const result = await runCli(['organizations', command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout).toMatch(/Usage: gatehouse organizations/);
    }
  });

  it('creates an organization and lists it next to the configured one', async () => {
    const created = await run(
      'organizations',
      'create',
      '--id',
      'org_beta',
      '--name',
      'Beta',
      '--domains',
      'beta.example,beta.test',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(lines(created.stdout)[0]).toMatchObject({
      id: 'org_beta',
      domains: ['beta.example', 'beta.test'],
      source: 'admin',
    });
    const listed = await run('organizations', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(lines(listed.stdout).map((o) => [o.id, o.source])).toEqual([
      ['org_acme', 'config'],
      ['org_beta', 'admin'],
    ]);
  });

  it('refuses a domain that already belongs to another organization', async () => {
    const refused = await run(
      'organizations',
      'create',
      '--id',
      'org_copy',
      '--name',
      'Copy',
      '--domains',
      'acme.example',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/exists/);
  });

  it('adds a member with roles, replaces the roles, and removes the member', async () => {
    const added = await run(
      'organizations',
      'add-member',
      'org_beta',
      '--email',
      'ada@example.com',
      '--roles',
      'admin,billing',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(lines(added.stdout)[0]).toMatchObject({ email: 'ada@example.com', roles: ['admin', 'billing'] });
    const replaced = await run(
      'organizations',
      'add-member',
      'org_beta',
      '--email',
      'ada@example.com',
      '--roles',
      'viewer',
    );
    expect(lines(replaced.stdout)[0]).toMatchObject({ roles: ['viewer'] });
    const removed = await run('organizations', 'remove-member', 'org_beta', '--email', 'ada@example.com');
    expect(removed.code, removed.stderr).toBe(0);
    const again = await run('organizations', 'remove-member', 'org_beta', '--email', 'ada@example.com');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/not a member/);
  });

  it('refuses a role that is not a short name, and an unknown user', async () => {
    const badRole = await run(
      'organizations',
      'add-member',
      'org_beta',
      '--email',
      'bob@example.com',
      '--roles',
      'Super Admin',
    );
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/roles/);
    const unknown = await run('organizations', 'add-member', 'org_beta', '--email', 'nobody@example.com');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no user/);
  });
});
