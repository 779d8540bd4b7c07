import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startCli, tempDir, writeConfig } from '../../helpers/cli.js';
import { postgresBackend } from '../../store/backends.js';

const SECRET = 'cli-test-secret-cli-test-secret-0123456789';
const RESOURCE = 'http://127.0.0.1:4100/mcp';

function config(port: number, database: string, extra: Record<string, unknown> = {}) {
  return {
    issuer: `http://127.0.0.1:${port}`,
    port,
    database,
    secret: SECRET,
    resources: [{ resource: RESOURCE, name: 'Todo MCP', scopes: ['todos.read', 'todos.write'] }],
    ...extra,
  };
}

describe('the gatehouse CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints help for every command', async () => {
    const commands = [
      [],
      ['init'],
      ['serve'],
      ['demo'],
      ['migrate'],
      ['users', 'create'],
      ['clients', 'create'],
      ['keys', 'rotate'],
    ];
    // Concurrently: eight Node start-ups in a row outlast the timeout on a busy machine.
    const results = await Promise.all(commands.map((args) => runCli([...args, '--help'])));
    results.forEach((result, i) => {
      expect(result.code, commands[i]!.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/Usage: gatehouse/);
    });
    // Every command that touches data takes --config and --demo.
    for (const result of results.slice(4)) expect(result.stdout).toMatch(/--config <file>[\s\S]*--demo/);
  });

  it('refuses a bad configuration with one line naming the field and a non-zero exit', async () => {
    const file = await writeConfig(dir, { issuer: 'http://example.com/', secret: 'short' }, 'bad.json');
    const result = await runCli(['serve', '--config', file]);
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/issuer: must use https/);
    expect(lines[0]).toMatch(/secret: must be at least 32 characters/);
  });

  it('refuses a config file that is not JSON, naming the file', async () => {
    const file = await writeConfig(dir, '{ nope' as never, 'broken.json');
    const result = await runCli(['migrate', '--config', file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/broken\.json is not valid JSON/);
  });

  it('serves: prints the issuer when ready, answers readiness, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const file = await writeConfig(dir, config(port, `sqlite:${join(dir, 'serve.db')}`), 'serve.json');
    const server = await startCli(['serve', '--config', file], /Gatehouse ready: http:\/\/127\.0\.0\.1:\d+/);
    expect(server.output()).toContain(`http://127.0.0.1:${port}`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('lets environment variables override the file (GATEHOUSE_ISSUER, PORT, GATEHOUSE_DATABASE_URL)', async () => {
    const port = await freePort();
    const file = await writeConfig(dir, config(1, 'sqlite:/nonexistent/never.db'), 'env.json');
    const server = await startCli(['serve', '--config', file], /Gatehouse ready/, {
      env: {
        GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`,
        PORT: String(port),
        GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'env.db')}`,
      },
    });
    const metadata = (await (
      await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`)
    ).json()) as {
      issuer: string;
    };
    expect(metadata.issuer).toBe(`http://127.0.0.1:${port}`);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('creates a confidential client whose secret is printed once and works at the token endpoint', async () => {
    const port = await freePort();
    const file = await writeConfig(dir, config(port, `sqlite:${join(dir, 'clients.db')}`), 'clients.json');
    const created = await runCli([
      'clients',
      'create',
      '--config',
      file,
      '--name',
      'Nightly report',
      '--confidential',
      '--grant-type',
      'client_credentials',
      '--scope',
      'todos.read',
    ]);
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    expect(client.client_id).not.toMatch(/^https:/);
    expect(client.client_secret).toMatch(/^ghsec_/);
    expect(created.stderr).toMatch(/not shown again/);

    const server = await startCli(['serve', '--config', file], /Gatehouse ready/);
    const response = await fetch(`http://127.0.0.1:${port}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { scope: string }).scope).toBe('todos.read');
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('creates a private_key_jwt client with --jwks-uri: no secret, keys at the URL; a private URL is refused', async () => {
    const file = await writeConfig(dir, config(4000, `sqlite:${join(dir, 'keyed.db')}`), 'keyed.json');
    const base = ['clients', 'create', '--config', file, '--grant-type', 'client_credentials'];
    const created = await runCli([...base, '--jwks-uri', 'https://keys.example.com/agent.json']);
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(client.token_endpoint_auth_method).toBe('private_key_jwt');
    expect(client).not.toHaveProperty('client_secret');
    const internal = await runCli([...base, '--jwks-uri', 'https://10.0.0.1/keys.json']);
    expect(internal.code).not.toBe(0);
    expect(internal.stderr).toMatch(/jwks_uri/);
  });

  it('lists, disables (with a reason), enables and deletes clients', async () => {
    const file = await writeConfig(
      dir,
      config(4000, `sqlite:${join(dir, 'lifecycle.db')}`),
      'lifecycle.json',
    );
    const created = await runCli([
      'clients',
      'create',
      '--config',
      file,
      '--client-id',
      'tool',
      '--redirect-uri',
      'http://127.0.0.1/cb',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).not.toHaveProperty('client_secret');
    expect((await runCli(['clients', 'disable', 'tool', '--config', file])).code).not.toBe(0);
    const disabled = await runCli([
      'clients',
      'disable',
      'tool',
      '--config',
      file,
      '--reason',
      'lost laptop',
    ]);
    expect(JSON.parse(disabled.stdout)).toEqual({ grants_revoked: 0 });
    const list = await runCli(['clients', 'list', '--config', file, '--status', 'disabled']);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { client_id: string; disabledReason: string });
    expect(rows).toEqual([expect.objectContaining({ client_id: 'tool', disabledReason: 'lost laptop' })]);
    expect((await runCli(['clients', 'enable', 'tool', '--config', file])).code).toBe(0);
    expect((await runCli(['clients', 'list', '--config', file, '--status', 'disabled'])).stdout.trim()).toBe(
      '',
    );
    expect((await runCli(['clients', 'delete', 'tool', '--config', file])).code).toBe(0);
    const missing = await runCli(['clients', 'delete', 'tool', '--config', file]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no client tool/);
  }, 90_000); // nine CLI runs, each a Node start-up and a database open

  it('creates users (an administrator with --admin) and refuses a duplicate e-mail', async () => {
    const file = await writeConfig(dir, config(4000, `sqlite:${join(dir, 'users.db')}`), 'users.json');
    const admin = await runCli([
      'users',
      'create',
      '--config',
      file,
      '--email',
      'Root@Example.com',
      '--password',
      'a-long-password',
      '--admin',
    ]);
    expect(admin.code).toBe(0);
    expect(JSON.parse(admin.stdout)).toMatchObject({ email: 'root@example.com', admin: true });
    const again = await runCli([
      'users',
      'create',
      '--config',
      file,
      '--email',
      'root@example.com',
      '--password',
      'another-password',
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('rotates keys: the pre-published next key becomes active and the old one stays published', async () => {
    const port = await freePort();
    // No caches to wait for, so each rotation may promote at once (operations/keys.ts; the scheduled
    // and refused cases are in test/attack/key-rotation.test.ts).
    const windows = { signingKeyCacheTtl: 0, jwksMaxAge: 0, signingKeyClockSkew: 0 };
    const file = await writeConfig(dir, config(port, `sqlite:${join(dir, 'keys.db')}`, windows), 'keys.json');
    expect((await runCli(['migrate', '--config', file])).code).toBe(0);
    const first = await runCli(['keys', 'rotate', '--config', file]);
    const before = JSON.parse(first.stdout) as { kid: string; state: string }[];
    const second = await runCli(['keys', 'rotate', '--config', file]);
    const after = JSON.parse(second.stdout) as { kid: string; state: string }[];
    const nextBefore = before.find((k) => k.state === 'next')!.kid;
    const activeBefore = before.find((k) => k.state === 'active')!.kid;
    expect(after.find((k) => k.state === 'active')!.kid).toBe(nextBefore);
    expect(after.find((k) => k.kid === activeBefore)?.state).toBe('retiring');

    const server = await startCli(['serve', '--config', file], /Gatehouse ready/);
    const jwks = (await (await fetch(`http://127.0.0.1:${port}/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    const published = jwks.keys.map((k) => k.kid);
    expect(published).toEqual(expect.arrayContaining(after.map((k) => k.kid)));
    server.child.kill('SIGTERM');
    await server.exited;
  });
});

describe('two instances starting at once on one PostgreSQL database', () => {
  const backend = postgresBackend();
  afterAll(() => backend.cleanup());

  it('both migrate, share one key set, and serve', async () => {
    const dir = await tempDir();
    const database = await backend.freshUrl();
    const [portA, portB] = [await freePort(), await freePort()];
    const fileA = await writeConfig(dir, config(portA, database), 'a.json');
    const fileB = await writeConfig(
      dir,
      { ...config(portB, database), issuer: `http://127.0.0.1:${portA}` },
      'b.json',
    );
    const [a, b] = await Promise.all([
      startCli(['serve', '--config', fileA], /Gatehouse ready/),
      startCli(['serve', '--config', fileB], /Gatehouse ready/),
    ]);
    const jwksA = await (await fetch(`http://127.0.0.1:${portA}/jwks.json`)).text();
    const jwksB = await (await fetch(`http://127.0.0.1:${portB}/jwks.json`)).text();
    expect(JSON.parse(jwksA).keys).toHaveLength(2);
    expect(jwksB).toBe(jwksA);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });
});
