#!/usr/bin/env node
/**
 * Scale-out on one PostgreSQL (issue 18): `gatehouse serve --workers N` (node:cluster: N processes,
 * one port, one database) for N = 1 and 2, measured in alternating rounds, with what the database
 * does per request:
 *   node bench/scale-out.mjs [--workers 1,2] [--scenarios client_credentials,refresh_token,authorization_code]
 *                            [--rounds 3] [--duration 5] [--warmup 2] [--out FILE]
 * - statements and round trips per request: every pg `Client.query` counted in each server process
 *   (lib/count-statements.mjs, preloaded with --import; bench only), per statement text;
 * - PostgreSQL's CPU per request: the CPU time of the backends serving the run's database (found in
 *   pg_stat_activity), from /proc — the database's own cost, apart from other databases' sessions;
 * - the CPU of the Gatehouse processes and of the load generator.
 * More processes than the machine's cores measure contention, not scale-out: with 2 cores, 4 workers
 * are not run by default (pass --workers 1,2,4 to see it).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { log, median } from './lib/common.mjs';
import { closeAgent, signIn } from './lib/flows.mjs';
import { load } from './lib/load.mjs';
import { fixedAmount, mergeChecks } from './lib/run-helpers.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import { freshDatabase, gatehouseAt, startGatehouse, TMP } from './lib/servers.mjs';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    scenarios: { type: 'string', default: 'client_credentials,refresh_token,authorization_code' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    codes: { type: 'string', default: '6000' },
    out: { type: 'string', default: fileURLToPath(new URL('../.tmp/bench/scale-out.json', import.meta.url)) },
  },
});
const COUNTER = fileURLToPath(new URL('./lib/count-statements.mjs', import.meta.url));
const TICKS = 100;

function ticks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Statement counts summed over the processes that wrote into `dir`. */
function statements(dir) {
  const sum = {};
  for (const f of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(readFileSync(join(dir, f), 'utf8'))))
        sum[k] = (sum[k] ?? 0) + v;
    } catch {
      // a file being rewritten: the next sample has it
    }
  }
  return sum;
}

/** CPU ticks per PostgreSQL backend connected to `database`. */
async function backendTicks(admin, database) {
  const { rows } = await admin.query('select pid from pg_stat_activity where datname = $1', [database]);
  return new Map(rows.map((r) => [r.pid, ticks(r.pid)]));
}

/** Ticks used between two samples: a backend that appeared in between counts from zero. */
function ticksBetween(before, after) {
  let sum = 0;
  for (const [pid, t] of after) sum += t - (before.get(pid) ?? 0);
  return sum;
}

const db = await freshDatabase('postgres', 'scaleout');
const dbName = new URL(db.url).pathname.slice(1);
const admin = new pg.Client({ connectionString: db.url.replace(dbName, 'postgres') });
await admin.connect();
const sides = [];
const results = { started: new Date().toISOString(), cores: availableParallelism(), runs: [] };
try {
  for (const [i, workers] of values.workers.split(',').map(Number).entries()) {
    const port = 4670 + i;
    const dir = join(TMP, 'statements', `w${workers}-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    process.env.BENCH_STATEMENTS_DIR = dir;
    const child = await startGatehouse(db.url, {
      workers,
      port,
      label: `so${workers}`,
      nodeArgs: ['--import', COUNTER],
    });
    const server = { ...gatehouseAt(port), child };
    sides.push({
      workers,
      dir,
      server,
      state: { options: { codes: Number(values.codes) }, database: db.url, session: await signIn(server) },
    });
  }
  delete process.env.BENCH_STATEMENTS_DIR;
  for (const key of values.scenarios.split(',')) {
    const scenario = SCENARIOS[key];
    const warm = {};
    const once = async (side, seconds, measured) => {
      const prepared = fixedAmount(
        scenario,
        await scenario.prepare(side.server, side.state),
        warm[side.workers],
        seconds,
      );
      await new Promise((r) => setTimeout(r, 250)); // counters written every 200 ms
      const before = { s: statements(side.dir), pg: await backendTicks(admin, dbName), t: performance.now() };
      const r = await load({ url: side.server.origin, duration: seconds, ...prepared }, () =>
        side.server.child.sampleRss(),
      );
      const pgTicks = ticksBetween(before.pg, await backendTicks(admin, dbName));
      await new Promise((res) => setTimeout(res, 250));
      const after = statements(side.dir);
      const perRequest = {};
      for (const [k, v] of Object.entries(after)) {
        const d = v - (before.s[k] ?? 0);
        if (d > 0) perRequest[k] = Number((d / r.ok).toFixed(3));
      }
      if (!measured) {
        warm[side.workers] = r.rps;
        return;
      }
      const check = await scenario.verify?.(side.server, side.state);
      const row = {
        scenario: key,
        workers: side.workers,
        rps: r.rps,
        errors: r.errors,
        p50: r.p50,
        p99: r.p99,
        roundTripsPerRequest: Object.values(perRequest).reduce((a, b) => a + b, 0),
        statementsPerRequest: perRequest,
        gatehouseCpuUsPerRequest: (r.serverCores * r.seconds * 1e6) / r.ok,
        postgresCpuUsPerRequest: ((pgTicks / TICKS) * 1e6) / r.ok,
        generatorCores: r.generatorCores,
        serverCores: r.serverCores,
        rssMb: r.rssMb,
        loadavg: loadavg()[0],
        ...(check ? { rotationCheck: check } : {}),
      };
      results.runs.push(row);
      log(
        `${key} workers ${side.workers}: ${r.rps.toFixed(0)} req/s, ${row.roundTripsPerRequest.toFixed(2)} round trips/request, ` +
          `Gatehouse ${row.gatehouseCpuUsPerRequest.toFixed(0)} µs + PostgreSQL ${row.postgresCpuUsPerRequest.toFixed(0)} µs CPU/request, load ${row.loadavg}`,
      );
      writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
    };
    for (const side of sides) await once(side, Number(values.warmup), false);
    for (let r = 0; r < Number(values.rounds); r++)
      for (const side of r % 2 ? [...sides].reverse() : sides)
        await once(side, Number(values.duration), true);
  }
} finally {
  for (const side of sides) await side.server.child.stop();
  await admin.end();
  await db.drop();
  await closeAgent();
}
const summary = {};
for (const row of results.runs) {
  const k = `${row.scenario} w${row.workers}`;
  if (!summary[k]) summary[k] = [];
  summary[k].push(row);
}
results.summary = Object.fromEntries(
  Object.entries(summary).map(([k, rows]) => [
    k,
    {
      rps: Math.round(median(rows.map((r) => r.rps))),
      roundTripsPerRequest: median(rows.map((r) => r.roundTripsPerRequest)),
      gatehouseCpuUsPerRequest: Math.round(median(rows.map((r) => r.gatehouseCpuUsPerRequest))),
      postgresCpuUsPerRequest: Math.round(median(rows.map((r) => r.postgresCpuUsPerRequest))),
      statementsPerRequest: rows.at(-1).statementsPerRequest,
      errors: rows.reduce((n, r) => n + r.errors, 0),
      peakRssMb: Math.round(Math.max(...rows.map((r) => r.rssMb ?? 0))),
      loadavg: rows.map((r) => r.loadavg),
      rotationCheck: rows.reduce(
        (c, r) => (r.rotationCheck ? mergeChecks(c, r.rotationCheck) : c),
        undefined,
      ),
    },
  ]),
);
writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results.summary, null, 2));
