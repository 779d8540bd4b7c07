import { readFileSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stripJsonComments } from '../../../src/cli/config-file.js';
import { freePort, runCli, startCli, tempDir } from '../../helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as {
  version: string;
};

describe('gatehouse --version and init', () => {
  const dirs: string[] = [];
  const fresh = async () => {
    const dir = await tempDir();
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('prints the package.json version with --version and -V, exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(pkg.version);
    }
  }, 120_000); // several CLI runs, each a Node start-up

  it('prints help for init', async () => {
    const result = await runCli(['init', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: gatehouse init/);
    expect(result.stdout).toMatch(/--force/);
  }, 120_000); // several CLI runs, each a Node start-up

  it('writes a commented ./gatehouse.json (mode 0600, fresh secret, its own database) and says what to do next; serve uses it with and without --config', async () => {
    const dir = await fresh();
    const port = await freePort();
    const result = await runCli(['init', '--port', String(port)], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(join(dir, 'gatehouse.json'));
    expect(result.stdout).toContain('node bin/gatehouse.js serve');
    expect(result.stdout).toMatch(/users create --email \S+ --password .* --admin/);
    expect(result.stdout).toContain(`http://127.0.0.1:${port}/admin`);
    const file = join(dir, 'gatehouse.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    // Commented: the secret and the database each say what they are for.
    const comments = text.split('\n').filter((line) => line.trim().startsWith('//'));
    expect(comments.length).toBeGreaterThan(10);
    expect(text).toMatch(/\/\/ .*seals the signing keys/);
    expect(text).toMatch(/\/\/ .*never the demo's \.gatehouse\/gatehouse\.db/);
    const config = JSON.parse(stripJsonComments(text)) as Record<string, unknown>;
    expect(config).toMatchObject({
      issuer: `http://127.0.0.1:${port}`,
      port,
      database: 'sqlite:.gatehouse/server.db',
      clients: [expect.objectContaining({ client_id: 'todo-cli', token_endpoint_auth_method: 'none' })],
    });
    expect(String(config.secret).length).toBeGreaterThanOrEqual(32);

    const other = await fresh();
    await runCli(['init'], { cwd: other });
    const otherConfig = JSON.parse(
      stripJsonComments(await readFile(join(other, 'gatehouse.json'), 'utf8')),
    ) as {
      secret: string;
    };
    expect(otherConfig.secret).not.toBe(config.secret);

    const server = await startCli(['serve'], /Gatehouse ready: http:\/\/127\.0\.0\.1:\d+/, { cwd: dir });
    expect(server.output()).toContain(`http://127.0.0.1:${port}`);
    const metadata = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`);
    expect(((await metadata.json()) as { issuer: string }).issuer).toBe(`http://127.0.0.1:${port}`);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // The same file named explicitly, and the CLI's data commands on it: an administrator, listed.
    const explicit = await startCli(['serve', '--config', 'gatehouse.json'], /Gatehouse ready/, { cwd: dir });
    explicit.child.kill('SIGTERM');
    expect(await explicit.exited).toBe(0);
    const admin = await runCli(
      ['users', 'create', '--email', 'root@example.com', '--password', 'a-long-password', '--admin'],
      { cwd: dir },
    );
    expect(admin.code, admin.stderr).toBe(0);
    const listed = await runCli(['users', 'list'], { cwd: dir });
    expect(JSON.parse(listed.stdout)).toMatchObject({ email: 'root@example.com', admin: true });
  }, 120_000); // several CLI runs, each a Node start-up

  it('refuses to overwrite an existing ./gatehouse.json without --force, and overwrites it with 0600 with --force', async () => {
    const dir = await fresh();
    const file = join(dir, 'gatehouse.json');
    await writeFile(file, '{"mine":true}', { mode: 0o644 });
    const refused = await runCli(['init'], { cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/gatehouse\.json already exists/);
    expect(refused.stderr).toMatch(/--force/);
    expect(await readFile(file, 'utf8')).toBe('{"mine":true}');

    const forced = await runCli(['init', '--force', '--issuer', 'http://127.0.0.1:4321'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(stripJsonComments(await readFile(file, 'utf8')))).toMatchObject({
      issuer: 'http://127.0.0.1:4321',
      port: 4321,
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  }, 120_000); // several CLI runs, each a Node start-up

  it('fails a data command without --config and without ./gatehouse.json, naming the file and init', async () => {
    const dir = await fresh();
    for (const args of [['migrate'], ['serve'], ['users', 'list']]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(/\.\/gatehouse\.json/);
      expect(result.stderr).toMatch(/gatehouse init/);
      expect(result.stderr).toMatch(/--demo/);
    }
  }, 120_000); // several CLI runs, each a Node start-up

  it('reads JSON with comments, and keeps comment markers inside strings', () => {
    const text = '// head\n{ /* a */ "url": "http://x//y", "b": "/*not*/" // tail\n}';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ url: 'http://x//y', b: '/*not*/' });
    expect(JSON.parse(stripJsonComments('{"q": "a\\"//b"}'))).toEqual({ q: 'a"//b' });
  }, 120_000); // several CLI runs, each a Node start-up
});
