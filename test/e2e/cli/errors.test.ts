import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startCli, tempDir, writeConfig } from '../../helpers/cli.js';
import { POSTGRES_ADMIN_URL, postgresBackend, sqliteBackend } from '../../store/backends.js';

/**
 * Start-up failures a newcomer meets, each a single line on stderr that says what is wrong and what
 * to do, and a non-zero exit: a wrong or missing secret, a database that cannot be reached or does not
 * exist, a port in use (also with --workers, where it must be reported once).
 */

/** Each case runs the CLI several times (a Node start-up and a database open each), on a shared machine. */
const SLOW = 120_000;

const SECRET_A = `secret-a-${'a'.repeat(40)}`;
const SECRET_B = `secret-b-${'b'.repeat(40)}`;

function config(port: number, database: string | undefined, secret: string | undefined) {
  return {
    issuer: `http://127.0.0.1:${port}`,
    port,
    ...(database ? { database } : {}),
    ...(secret ? { secret } : {}),
    resources: [{ resource: 'http://127.0.0.1:4100/mcp', scopes: ['todos.read'] }],
  };
}

/** The environment without the CLI's overrides, so that only the file speaks. */
const CLEAN_ENV = { GATEHOUSE_SECRET: '', GATEHOUSE_DATABASE_URL: '', GATEHOUSE_ISSUER: '', PORT: '' };

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each([sqliteBackend(), postgresBackend()])('a wrong secret on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it(
    'says the database was created with a different secret, and what to do, instead of a crypto error',
    async () => {
      const database = await backend.freshUrl();
      const first = await writeConfig(dir, config(4000, database, SECRET_A), `${backend.name}-a.json`);
      expect((await runCli(['migrate', '--config', first], { env: CLEAN_ENV })).code).toBe(0);
      const other = await writeConfig(dir, config(4000, database, SECRET_B), `${backend.name}-b.json`);
      for (const args of [['serve'], ['users', 'list']]) {
        const result = await runCli([...args, '--config', other], { env: CLEAN_ENV });
        expect(result.code, args.join(' ')).not.toBe(0);
        const line = oneLine(result.stderr);
        expect(line).toMatch(/the database was created with a different secret/);
        expect(line).toMatch(/GATEHOUSE_SECRET/);
        expect(line).toMatch(/a database of its own \(`database`\)/);
        expect(line).not.toMatch(/Unsupported state|unable to authenticate/);
      }
      // The right secret, from the environment, still opens it.
      const fixed = await runCli(['users', 'list', '--config', other], {
        env: { ...CLEAN_ENV, GATEHOUSE_SECRET: SECRET_A },
      });
      expect(fixed.code, fixed.stderr).toBe(0);
    },
    SLOW,
  );
});

describe('configuration and database errors', () => {
  it(
    'a missing secret names GATEHOUSE_SECRET; setting it is enough',
    async () => {
      const file = await writeConfig(
        dir,
        config(4000, `sqlite:${join(dir, 'nosecret.db')}`, undefined),
        'nosecret.json',
      );
      const result = await runCli(['migrate', '--config', file], { env: CLEAN_ENV });
      expect(result.code).not.toBe(0);
      const line = oneLine(result.stderr);
      expect(line).toMatch(/secret: is required/);
      expect(line).toMatch(/GATEHOUSE_SECRET/);
      const withEnv = await runCli(['migrate', '--config', file], {
        env: { ...CLEAN_ENV, GATEHOUSE_SECRET: SECRET_A },
      });
      expect(withEnv.code, withEnv.stderr).toBe(0);
    },
    SLOW,
  );

  it(
    'an SQLite file that cannot be created says it is the database, and where',
    async () => {
      const blocker = join(dir, 'a-file');
      await writeFile(blocker, 'not a directory');
      const file = await writeConfig(
        dir,
        config(4000, `sqlite:${join(blocker, 'x.db')}`, SECRET_A),
        'blocked.json',
      );
      const result = await runCli(['migrate', '--config', file], { env: CLEAN_ENV });
      expect(result.code).not.toBe(0);
      expect(oneLine(result.stderr)).toContain(`cannot open the SQLite database ${join(blocker, 'x.db')}`);
    },
    SLOW,
  );

  it(
    'an unreachable PostgreSQL server: says so, and where, without the password',
    async () => {
      const port = await freePort();
      const url = `postgres://gatehouse:pw-${randomBytes(6).toString('hex')}@127.0.0.1:${port}/gh`;
      const file = await writeConfig(dir, config(4000, url, SECRET_A), 'unreachable.json');
      const result = await runCli(['serve', '--config', file], { env: CLEAN_ENV });
      expect(result.code).not.toBe(0);
      const line = oneLine(result.stderr);
      expect(line).toContain(
        `cannot reach the PostgreSQL database postgres://gatehouse@127.0.0.1:${port}/gh`,
      );
      expect(line).not.toContain(new URL(url).password);
    },
    SLOW,
  );

  it(
    'a PostgreSQL database that does not exist: names it and the commands; --create-database creates it',
    async () => {
      const name = `gatehouse_missing_${randomBytes(6).toString('hex')}`;
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      const file = await writeConfig(dir, config(4000, url.href, SECRET_A), 'missing.json');
      try {
        const refused = await runCli(['migrate', '--config', file], { env: CLEAN_ENV });
        expect(refused.code).not.toBe(0);
        const line = oneLine(refused.stderr);
        expect(line).toContain(`the PostgreSQL database "${name}" does not exist`);
        expect(line).toContain('--create-database');
        expect(line).toMatch(new RegExp(`createdb .*${name}`));

        const created = await runCli(['migrate', '--config', file, '--create-database'], { env: CLEAN_ENV });
        expect(created.code, created.stderr).toBe(0);
        expect(created.stderr).toContain(`Created the PostgreSQL database`);
        // Again: it exists now, nothing to create, and serve accepts the flag too.
        const again = await runCli(['migrate', '--config', file, '--create-database'], { env: CLEAN_ENV });
        expect(again.code, again.stderr).toBe(0);
        expect(again.stderr).toBe('');
      } finally {
        const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
        await admin.connect();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
    },
    SLOW,
  );
});

describe('a port in use', () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it(
    'names the server and the port, once, and exits non-zero; with --workers 2 as well',
    async () => {
      const file = await writeConfig(
        dir,
        config(port, `sqlite:${join(dir, 'busy.db')}`, SECRET_A),
        'busy.json',
      );
      for (const extra of [[], ['--workers', '2']]) {
        const result = await runCli(['serve', '--config', file, ...extra], { env: CLEAN_ENV });
        expect(result.code, extra.join(' ')).toBe(1);
        expect(oneLine(result.stderr)).toBe(
          `gatehouse: Gatehouse cannot listen on 127.0.0.1:${port}: the port is in use by another process (another Gatehouse, or the demo?). Stop that process, or choose another port.`,
        );
        expect(result.stdout).not.toMatch(/ready/);
      }
    },
    SLOW,
  );

  it(
    'with --workers 2 on a free port, starts once ready and stops on SIGTERM',
    async () => {
      const free = await freePort();
      const file = await writeConfig(
        dir,
        config(free, `sqlite:${join(dir, 'workers.db')}`, SECRET_A),
        'workers.json',
      );
      const server = await startCli(
        ['serve', '--config', file, '--workers', '2'],
        /Gatehouse ready: .*\(2 workers\)/,
        {
          env: CLEAN_ENV,
          timeoutMs: 40_000,
        },
      );
      expect((await fetch(`http://127.0.0.1:${free}/health/ready`)).status).toBe(200);
      server.child.kill('SIGTERM');
      await server.exited;
    },
    SLOW,
  );
});
