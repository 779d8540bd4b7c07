#!/usr/bin/env node
/**
 * Gatehouse next to oidc-provider 9.x and a floor server — the HTTP benchmark harness (`npm run bench`,
 * after `npm run build`).
 *
 * Methodology
 * - Every server runs as a child process on loopback (Gatehouse through `gatehouse serve --config`,
 *   oidc-provider through lib/oidc-provider-server.mjs, the floor through lib/floor-server.mjs).
 *   Gatehouse and oidc-provider-on-SQL get fresh databases of the same kind (SQLite file in WAL mode,
 *   or a PostgreSQL database created for the run and dropped after it); stateless scenarios also run
 *   against oidc-provider on its in-memory store and against the floor, in the same rounds.
 * - Load comes from autocannon in this process: 10 connections, no pipelining, a warm-up run per
 *   server and scenario, then `--runs` measured runs of `--duration` seconds, alternating the servers
 *   (A B, B A, …) so drift in machine load hits both. Reported: medians of the runs.
 * - Credentials a request consumes (authorization codes, refresh tokens) are minted before each run
 *   through the real /authorize and /token endpoints, outside the measured window.
 * - Gatehouse's RSS (VmRSS of the serve process and its workers) is polled every 100 ms under load.
 * Options: --runs N --duration S --warmup S --codes N --backends sqlite,postgres
 *          --phases compare,workers,inprocess,scale --scenarios a,b --scale-rows N --pg-scale-rows N
 *          --quick (1 run of 3 s, small scale) --out FILE
 *          --docs (also replace the table between the markers in docs/benchmarks.md)
 *          --merge (keep the other cells of an existing results.json; re-measure only what this run covers)
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { log, median, sleep } from './lib/common.mjs';
import { closeAgent, signIn } from './lib/flows.mjs';
import { load } from './lib/load.mjs';
import { markdownTable, printTable, summarise } from './lib/report.mjs';
import { fixedAmount, mergeChecks } from './lib/run-helpers.mjs';
import { runScale } from './lib/scale.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import {
  FLOOR,
  freshDatabase,
  GATEHOUSE,
  OIDC_MEMORY,
  OIDC_PROVIDER,
  startFloor,
  startGatehouse,
  startOidcProvider,
} from './lib/servers.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    codes: { type: 'string', default: '6000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    phases: { type: 'string', default: 'compare,workers,inprocess,scale' },
    scenarios: { type: 'string', default: Object.keys(SCENARIOS).join(',') },
    'scale-rows': { type: 'string', default: '1000000' },
    'pg-scale-rows': { type: 'string', default: '1000000' },
    quick: { type: 'boolean', default: false },
    docs: { type: 'boolean', default: false },
    merge: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('./results.json', import.meta.url)) },
  },
});
const options = {
  runs: args.quick ? 1 : Number(args.runs),
  duration: args.quick ? 3 : Number(args.duration),
  warmup: args.quick ? 1 : Number(args.warmup),
  codes: args.quick ? 2000 : Number(args.codes),
  backends: args.backends.split(','),
  phases: args.phases.split(','),
  scenarios: args.scenarios.split(','),
  scaleRows: args.quick ? 20_000 : Number(args['scale-rows']),
  pgScaleRows: args.quick ? 20_000 : Number(args['pg-scale-rows']),
};

function gitState() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return `${head}${dirty ? ' (src modified)' : ''}`;
  } catch {
    return 'unknown';
  }
}

const results = {
  meta: {
    started: new Date().toISOString(),
    node: process.version,
    cpus: `${cpus().length}× ${cpus()[0]?.model ?? ''}`.trim(),
    git: gitState(),
    options,
    loadavgBefore: loadavg().map((v) => Number(v.toFixed(2))),
  },
  compare: [],
};

/** Servers in round `r`: rotated by one each round so no server always runs first or last. */
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

/**
 * One scenario on one backend: a warm-up per server, then `--runs` rounds in which Gatehouse and the
 * scenario's peers each run once (issue 18: every ratio comes from the same rounds). A ratio is the
 * median over the rounds of Gatehouse's req/s over the peer's in that round; the 1-minute load
 * average is recorded after every round.
 */
async function compareScenario(key, backend, servers, states) {
  const scenario = SCENARIOS[key];
  const names = new Set(['gatehouse', ...scenario.peers]);
  const active = servers.filter((s) => names.has(s.name));
  const runs = Object.fromEntries(active.map((s) => [s.name, []]));
  const rounds = [];
  const loads = [];
  let rotationCheck;
  const warmRps = {};
  const once = async (server, duration, measured) => {
    const state = states[server.name];
    const prepared = fixedAmount(
      scenario,
      await scenario.prepare(server, state),
      warmRps[server.name],
      duration,
    );
    const result = await load(
      { url: server.origin, duration, ...prepared },
      measured ? () => server.child.sampleRss() : undefined,
    );
    if (!measured) warmRps[server.name] = result.rps;
    if (measured) {
      runs[server.name].push(result);
      const check = await scenario.verify?.(server, state);
      if (check) rotationCheck = mergeChecks(rotationCheck, check);
    }
    return result;
  };
  for (const server of active) await once(server, options.warmup, false);
  for (let r = 0; r < options.runs; r++) {
    const round = {};
    for (const server of rotate(active, r)) {
      const res = await once(server, options.duration, true);
      round[server.name] = res.rps;
      log(
        `${key} ${backend} ${server.name} run ${r + 1}: ${res.rps.toFixed(0)} req/s p50 ${res.p50} p99 ${res.p99} errors ${res.errors}`,
      );
    }
    rounds.push(round);
    loads.push(Number(loadavg()[0].toFixed(2)));
  }
  const row = {
    scenario: key,
    label: scenario.label,
    backend,
    peers: scenario.peers,
    rounds,
    loadavg: loads,
    raw: runs,
  };
  for (const server of active) row[server.name] = summarise(runs[server.name]);
  row.ratios = Object.fromEntries(
    scenario.peers.map((peer) => [peer, median(rounds.map((round) => round.gatehouse / round[peer]))]),
  );
  row.ratio = row.ratios['oidc-provider'];
  if (rotationCheck) row.rotationCheck = rotationCheck;
  return row;
}

async function comparePhase() {
  let first = true;
  // The stateless peers keep no state: one of each serves every backend's rounds.
  const floor = await startFloor();
  const memory = await startOidcProvider('memory', Number(new URL(OIDC_MEMORY.origin).port));
  try {
    for (const backend of options.backends) {
      const ghDb = await freshDatabase(backend, 'gh');
      const opDb = await freshDatabase(backend, 'op');
      const gh = await startGatehouse(ghDb.url);
      const op = await startOidcProvider(opDb.url);
      const servers = [
        { ...GATEHOUSE, child: gh },
        { ...FLOOR, child: floor },
        { ...OIDC_MEMORY, child: memory },
        { ...OIDC_PROVIDER, child: op },
      ];
      try {
        const states = {
          gatehouse: { options, database: ghDb.url, session: await signIn(GATEHOUSE) },
          'oidc-provider': { options, database: opDb.url, session: await signIn(OIDC_PROVIDER) },
          floor: { options },
          'oidc-provider-memory': { options },
        };
        for (const key of options.scenarios) {
          if (!SCENARIOS[key].storage && !first) continue;
          results.compare.push(await compareScenario(key, backend, servers, states));
          if (!args.merge) writeResults();
        }
      } finally {
        await gh.stop();
        await op.stop();
        await ghDb.drop();
        await opDb.drop();
      }
      first = false;
    }
  } finally {
    await floor.stop();
    await memory.stop();
  }
}

/** client_credentials on one serve process, then on `serve --workers 2`, same database. */
async function workersPhase() {
  const db = await freshDatabase('sqlite', 'workers');
  const measure = async (workers) => {
    const gh = await startGatehouse(db.url, { workers, label: `w${workers}` });
    const server = { ...GATEHOUSE, child: gh };
    try {
      const prepared = await SCENARIOS.client_credentials.prepare(server, {});
      await load({ url: server.origin, duration: options.warmup, ...prepared });
      const runs = [];
      for (let r = 0; r < options.runs; r++) {
        runs.push(
          await load({ url: server.origin, duration: options.duration, ...prepared }, () => gh.sampleRss()),
        );
        log(`workers=${workers} run ${r + 1}: ${runs.at(-1).rps.toFixed(0)} req/s`);
      }
      return summarise(runs);
    } finally {
      await gh.stop();
    }
  };
  try {
    const single = await measure(1);
    const workers = await measure(2);
    results.workers = { single, workers, ratio: workers.rps / single.rps, cores: availableParallelism() };
  } finally {
    await db.drop();
  }
}

/** Bearer verification and /authorize client resolution, in a child process of their own. */
async function inprocessPhase() {
  const script = fileURLToPath(new URL('./lib/inprocess.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`inprocess bench exited ${code}`);
  results.inprocess = JSON.parse(out);
}

/** Replaces the generated section of docs/benchmarks.md with this run's table. */
function updateDocs(results) {
  const file = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md lacks the ${start} … ${end} markers`);
  const m = results.meta;
  const section = [
    start,
    `Measured ${m.started.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus}, Node ${m.node}, Gatehouse ${m.git}; ` +
      `${m.options.runs} runs × ${m.options.duration} s per cell, 10 connections; ` +
      `load average ${m.loadavgBefore.join(' ')} before, ${m.loadavgAfter.join(' ')} after` +
      (m.mergedFrom?.length
        ? `; the other cells come from the earlier runs of ${m.mergedFrom.map((t) => t.slice(11, 16)).join(', ')} (see bench/results.json).`
        : '.'),
    '',
    results.markdown,
    end,
  ].join('\n');
  writeFileSync(file, text.slice(0, a) + section + text.slice(b + end.length));
  console.log(`updated ${file}`);
}

/** With --merge: cells this run did not measure come from the previous results.json, marked as such. */
function mergePrevious() {
  let previous;
  try {
    previous = JSON.parse(readFileSync(args.out, 'utf8'));
  } catch {
    return;
  }
  const key = (row) => `${row.scenario}/${row.backend}`;
  const fresh = new Set(results.compare.map(key));
  const kept = (previous.compare ?? []).filter((row) => !fresh.has(key(row)));
  const order = (row) =>
    Object.keys(SCENARIOS).indexOf(row.scenario) + (row.backend === 'postgres' ? 100 : 0);
  results.compare = [...kept, ...results.compare].sort((a, b) => order(a) - order(b));
  results.workers ??= previous.workers;
  results.inprocess ??= previous.inprocess;
  if (previous.scale) {
    const ran = new Set((results.scale ?? []).map((row) => row.backend));
    results.scale = [...previous.scale.filter((row) => !ran.has(row.backend)), ...(results.scale ?? [])];
  }
  results.meta.mergedFrom = [previous.meta?.started, ...(previous.meta?.mergedFrom ?? [])].filter(Boolean);
  results.meta.previousLoadavg = previous.meta?.loadavgBefore;
}

function writeResults() {
  results.meta.loadavgAfter = loadavg().map((v) => Number(v.toFixed(2)));
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
}

try {
  log(`load average before: ${results.meta.loadavgBefore.join(' ')}`);
  if (options.phases.includes('compare')) await comparePhase();
  if (options.phases.includes('workers')) await workersPhase();
  if (options.phases.includes('inprocess')) await inprocessPhase();
  if (options.phases.includes('scale')) results.scale = await runScale(options, GATEHOUSE);
  results.meta.finished = new Date().toISOString();
  if (args.merge) mergePrevious();
  writeResults();
  results.markdown = markdownTable(results);
  writeResults();
  console.log(
    `\nGatehouse vs oidc-provider — medians of ${options.runs} run(s) × ${options.duration} s, 10 connections`,
  );
  console.log(
    `load average before ${results.meta.loadavgBefore.join(' ')}, after ${results.meta.loadavgAfter.join(' ')}\n`,
  );
  console.log(printTable(results));
  console.log(`\nwrote ${args.out}`);
  if (args.docs) updateDocs(results);
} finally {
  await closeAgent();
  await sleep(10);
}
