/**
 * Child processes under test: Gatehouse through its own CLI (`gatehouse serve --config`), so its RSS
 * is its own, and oidc-provider through ./oidc-provider-server.mjs. Also the databases: a fresh SQLite
 * file (Gatehouse opens it in WAL) or a fresh PostgreSQL database per run, dropped afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  FLOOR_PORT,
  GATEHOUSE_ISSUER,
  GATEHOUSE_PORT,
  HOST,
  log,
  MACHINE,
  OIDC_ISSUER,
  OIDC_MEMORY_PORT,
  OIDC_PORT,
  REDIRECT_URI,
  RESOURCE,
  SCOPES,
  USER,
  WEB,
} from './common.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TMP = join(ROOT, '.tmp', 'bench');
/** The CLI to start; GATEHOUSE_BIN points elsewhere (e.g. a patched build, for before/after figures). */
const GATEHOUSE_BIN = process.env.GATEHOUSE_BIN ?? join(ROOT, 'bin/gatehouse.js');
export const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Where each server keeps its endpoints. */
export const GATEHOUSE = {
  name: 'gatehouse',
  origin: GATEHOUSE_ISSUER,
  authorizationEndpoint: `${GATEHOUSE_ISSUER}/authorize`,
  tokenEndpoint: `${GATEHOUSE_ISSUER}/token`,
  tokenPath: '/token',
  introspectPath: '/introspect',
  jwksPath: '/jwks.json',
  metadataPath: '/.well-known/oauth-authorization-server',
};
export const OIDC_PROVIDER = {
  name: 'oidc-provider',
  origin: OIDC_ISSUER,
  authorizationEndpoint: `${OIDC_ISSUER}/auth`,
  tokenEndpoint: `${OIDC_ISSUER}/token`,
  tokenPath: '/token',
  introspectPath: '/token/introspection',
  jwksPath: '/jwks',
  // oidc-provider publishes only the OpenID Connect discovery document.
  metadataPath: '/.well-known/openid-configuration',
};

/** oidc-provider on its own in-memory store: its fastest configuration, for the stateless scenarios. */
export const OIDC_MEMORY = {
  ...OIDC_PROVIDER,
  name: 'oidc-provider-memory',
  origin: `http://${HOST}:${OIDC_MEMORY_PORT}`,
};
/** The floor (./floor-server.mjs): only the irreducible work of each stateless request. */
export const FLOOR = {
  name: 'floor',
  origin: `http://${HOST}:${FLOOR_PORT}`,
  tokenPath: '/token',
  introspectPath: '/introspect',
  jwksPath: '/jwks.json',
  metadataPath: '/.well-known/oauth-authorization-server',
};

/** The Gatehouse descriptor for a server on another port (before/after runs side by side). */
export function gatehouseAt(port) {
  const origin = `http://${HOST}:${port}`;
  return {
    ...GATEHOUSE,
    origin,
    authorizationEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/token`,
  };
}

/** A fresh database for one backend; `drop()` removes it. */
export async function freshDatabase(kind, label) {
  mkdirSync(TMP, { recursive: true });
  const name = `ghbench_${label}_${process.pid}_${Date.now().toString(36)}`;
  if (kind === 'sqlite') {
    const file = join(TMP, `${name}.db`);
    const drop = async () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    };
    return { kind, url: `sqlite:${file}`, drop };
  }
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    kind,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The Gatehouse configuration equivalent to ./oidc-provider-server.mjs. */
export function gatehouseConfig(database, port = GATEHOUSE_PORT) {
  return {
    issuer: `http://${HOST}:${port}`,
    host: HOST,
    port,
    database,
    secret: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
    resources: [{ resource: RESOURCE, name: 'Bench MCP', scopes: SCOPES }],
    clients: [
      {
        client_id: MACHINE.id,
        client_name: 'Bench machine',
        client_secret: MACHINE.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        introspect: ['*'],
      },
      {
        client_id: WEB.id,
        client_name: 'Bench web app',
        client_secret: WEB.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [REDIRECT_URI],
        first_party: true,
      },
    ],
    users: [USER],
    tokens: { authorizationCodeTtl: 600 },
    logger: 'warn',
  };
}

/** Under valgrind (bench/instructions.mjs) a server takes minutes to start, not seconds. */
const startTimeoutMs = () => (process.env.BENCH_WRAP ? 600_000 : 60_000);

/** The command line of a server process: `node …`, or under BENCH_WRAP (space-separated) when set. */
function command(args) {
  const wrap = process.env.BENCH_WRAP?.split(' ').filter(Boolean) ?? [];
  return wrap.length ? [wrap[0], [...wrap.slice(1), process.execPath, ...args]] : [process.execPath, args];
}

function waitForLine(child, pattern, name) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start: ${seen.slice(-2000)}`)),
      startTimeoutMs(),
    );
    const onData = (chunk) => {
      seen += chunk;
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      seen = (seen + chunk).slice(-8000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${seen.slice(-2000)}`));
    });
  });
}

/** Resident-set sampling of a process tree (the serve process and its cluster workers). */
function rssKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
/** CPU time (user + system) of a process in clock ticks (USER_HZ, 100 per second on Linux). */
function cpuTicks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}
const TICKS_PER_SECOND = 100;

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

class Child {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
  }
  /** RSS in MB: the process itself, or (with workers) the largest worker and the tree total. */
  rss() {
    const kids = children(this.pid);
    const own = rssKb(this.pid);
    const workers = kids.map(rssKb);
    return {
      process: own / 1024,
      maxWorker: Math.max(0, ...workers) / 1024,
      total: (own + workers.reduce((a, b) => a + b, 0)) / 1024,
    };
  }
  /** CPU ticks of the process and its workers so far. */
  cpuTicks() {
    return cpuTicks(this.pid) + children(this.pid).reduce((sum, pid) => sum + cpuTicks(pid), 0);
  }
  /**
   * Polls RSS every 100 ms until the returned stop() is called; stop() gives the peaks, and `cores`:
   * the CPU the process tree used meanwhile, in cores (workers' CPU is read at their last sample, so
   * they must still be running when stop() is called).
   */
  sampleRss() {
    const peak = { process: 0, maxWorker: 0, total: 0 };
    const startedAt = performance.now();
    const ticksAtStart = this.cpuTicks();
    const tick = () => {
      const now = this.rss();
      for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], now[k]);
    };
    tick();
    const timer = setInterval(tick, 100);
    return () => {
      clearInterval(timer);
      tick();
      const seconds = (performance.now() - startedAt) / 1000;
      return { ...peak, cores: (this.cpuTicks() - ticksAtStart) / TICKS_PER_SECOND / seconds };
    };
  }
  async stop() {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts `gatehouse serve` on a config written for `database`. Extra node flags (e.g. --cpu-prof)
 * go in `nodeArgs`; `workers` > 1 uses the CLI's node:cluster mode.
 */
export async function startGatehouse(
  database,
  { workers = 1, nodeArgs = [], label = 'gh', bin = GATEHOUSE_BIN, port = GATEHOUSE_PORT } = {},
) {
  mkdirSync(TMP, { recursive: true });
  const configFile = join(TMP, `gatehouse-${label}-${process.pid}.json`);
  writeFileSync(configFile, JSON.stringify(gatehouseConfig(database, port), null, 2));
  const args = [...nodeArgs, bin, 'serve', '--config', configFile];
  if (workers > 1) args.push('--workers', String(workers));
  const child = spawn(...command(args), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(child, /Gatehouse ready/, 'gatehouse');
  child.stdout.resume();
  log(`gatehouse ready (pid ${child.pid}, ${database.split(':')[0]}, workers ${workers})`);
  return new Child('gatehouse', child);
}

/** oidc-provider on `database` (a SQL URL, or `memory` for its own store) and `port`. */
export async function startOidcProvider(database, port = OIDC_PORT) {
  const script = fileURLToPath(new URL('./oidc-provider-server.mjs', import.meta.url));
  const child = spawn(...command([script, database, String(port)]), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForLine(child, /oidc-provider ready/, 'oidc-provider');
  child.stdout.resume();
  log(`oidc-provider ready (pid ${child.pid}, ${database.split(':')[0]}, port ${port})`);
  return new Child('oidc-provider', child);
}

export async function startFloor(port = FLOOR_PORT) {
  const script = fileURLToPath(new URL('./floor-server.mjs', import.meta.url));
  const child = spawn(...command([script, String(port)]), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(child, /floor ready/, 'floor');
  child.stdout.resume();
  log(`floor ready (pid ${child.pid})`);
  return new Child('floor', child);
}

/** Runs `gatehouse migrate` so a seeding script can write into the schema before the server starts. */
export async function migrate(database) {
  mkdirSync(TMP, { recursive: true });
  const configFile = join(TMP, `gatehouse-migrate-${process.pid}.json`);
  writeFileSync(configFile, JSON.stringify(gatehouseConfig(database)));
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'migrate', '--config', configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrate exited ${code}`))));
  });
}
