#!/usr/bin/env node
/**
 * Instructions per request under valgrind's callgrind (issue 18): a count that does not depend on
 * what else the machine is doing, for the figures req/s cannot give on a shared machine.
 *   node bench/instructions.mjs --server gatehouse|floor|oidc-provider-memory
 *        [--scenario client_credentials] [--bin <gatehouse CLI>] [--port N] [--window 1000] [--final 2000]
 * The server runs under `valgrind --tool=callgrind` (all its threads: the main thread, libuv's pool
 * that signs, V8's compiler threads). Requests come from autocannon (10 connections) in windows of
 * `window` requests; the counters are zeroed before and dumped after each (callgrind_control), until
 * two windows agree within 3 % (the JIT has settled; ~5,000 requests), then three `final` windows
 * give the figure (their median). Stateless scenarios only, plus refresh_token on SQLite (the database
 * is in-process).
 *
 * Threads are counted apart (`--separate-threads=yes`): the main thread's count is the stable figure
 * (±2 % between windows); the total of all threads varies by ±10 % and more between windows of the
 * same build, because V8's compiler and GC helper threads run when they run (TurboFan still
 * recompiles for ~40,000 requests after start: `--trace-opt`). Both are printed, and the JSON line
 * carries both; the warm-up converges on the main thread's count.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { log } from './lib/common.mjs';
import { closeAgent, signIn } from './lib/flows.mjs';
import { load } from './lib/load.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import {
  FLOOR,
  freshDatabase,
  gatehouseAt,
  OIDC_MEMORY,
  startFloor,
  startGatehouse,
  startOidcProvider,
  TMP,
} from './lib/servers.mjs';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'gatehouse' },
    scenario: { type: 'string', default: 'client_credentials' },
    bin: { type: 'string' },
    port: { type: 'string', default: '4650' },
    window: { type: 'string', default: '1000' },
    final: { type: 'string', default: '2000' },
    label: { type: 'string', default: '' },
  },
});
const port = Number(values.port);
const name = `${values.server}-${values.scenario}${values.label ? `-${values.label}` : ''}`;
const dir = join(TMP, 'callgrind', `${name}-${Date.now().toString(36)}`);
mkdirSync(dir, { recursive: true });
process.env.BENCH_WRAP = `valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=${dir}/cg.%p`;

let db;
let server;
if (values.server === 'gatehouse') {
  db = await freshDatabase('sqlite', `cg${port}`);
  const child = await startGatehouse(db.url, {
    port,
    label: `cg${port}`,
    ...(values.bin ? { bin: values.bin } : {}),
  });
  server = { ...gatehouseAt(port), child };
} else if (values.server === 'floor') {
  server = { ...FLOOR, origin: `http://127.0.0.1:${port}`, child: await startFloor(port) };
} else {
  server = {
    ...OIDC_MEMORY,
    origin: `http://127.0.0.1:${port}`,
    child: await startOidcProvider('memory', port),
  };
}
const pid = server.child.pid;
const scenario = SCENARIOS[values.scenario];
const state = { options: { codes: 0 }, database: db?.url };
if (values.scenario === 'refresh_token') state.session = await signIn(server);

let dumps = 0;
async function window(amount) {
  const prepared = await scenario.prepare(server, state);
  execFileSync('callgrind_control', ['-z', String(pid)], { stdio: 'ignore' });
  const result = await load({ url: server.origin, ...prepared, amount, timeout: 120 });
  execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
  dumps += 1;
  // One file per thread: cg.<pid>.<dump>-<thread>, the main thread being 01.
  const files = readdirSync(dir).filter((f) => f.startsWith(`cg.${pid}.${dumps}-`));
  const count = (f) =>
    Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? 0);
  const all = files.reduce((sum, f) => sum + count(f), 0);
  const main = count(files.find((f) => f.endsWith('-01')));
  if (result.errors) log(`${result.errors} errors in a window (JIT warm-up under valgrind is slow)`);
  return { main: main / result.ok, all: all / result.ok };
}

try {
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 15; i++) {
    const { main, all } = await window(Number(values.window));
    log(
      `${name} warm-up window ${i + 1}: ${Math.round(main)} instructions/request on the main thread, ${Math.round(all)} in all threads`,
    );
    if (Math.abs(main - previous) / main < 0.03) break;
    previous = main;
  }
  const finals = [];
  for (let i = 0; i < 3; i++) finals.push(await window(Number(values.final)));
  const middle = (key) => finals.map((f) => f[key]).sort((a, b) => a - b)[1];
  console.log(
    JSON.stringify({
      server: values.server,
      scenario: values.scenario,
      label: values.label,
      mainThreadInstructionsPerRequest: Math.round(middle('main')),
      instructionsPerRequest: Math.round(middle('all')),
    }),
  );
} finally {
  await server.child.stop();
  await db?.drop();
  await closeAgent();
}
