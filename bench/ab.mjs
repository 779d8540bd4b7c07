#!/usr/bin/env node
/**
 * Before/after of one change (issue 18): two Gatehouse builds side by side on their own databases of
 * one kind, measured in alternating rounds (A B, B A, …) with the same scenario:
 *   node bench/ab.mjs --a <bin> --b <bin> [--scenario client_credentials] [--backend sqlite]
 *                     [--rounds 4] [--duration 5] [--warmup 3]
 * `bin` is a CLI such as the one bench/build-tree.sh prints. Reports per build the median req/s and
 * the median server CPU per request (µs, all threads: far less sensitive to machine load than req/s),
 * the median of the per-round ratios B/A, and the 1-minute load average after every round.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { log, median } from './lib/common.mjs';
import { closeAgent, signIn } from './lib/flows.mjs';
import { load } from './lib/load.mjs';
import { fixedAmount, mergeChecks } from './lib/run-helpers.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import { freshDatabase, gatehouseAt, startGatehouse } from './lib/servers.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    scenario: { type: 'string', default: 'client_credentials' },
    backend: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    codes: { type: 'string', default: '6000' },
  },
});
const scenario = SCENARIOS[values.scenario];
const duration = Number(values.duration);
const sides = [];
for (const [name, bin, port] of [
  ['A', values.a, 4611],
  ['B', values.b, 4612],
]) {
  const db = await freshDatabase(values.backend, `ab${name}`);
  const child = await startGatehouse(db.url, { bin, port, label: `ab${name}` });
  const server = { ...gatehouseAt(port), child };
  const state = { options: { codes: Number(values.codes) }, database: db.url };
  if (scenario.storage) state.session = await signIn(server);
  sides.push({ name, db, server, state, runs: [], warm: 0 });
}
const once = async (side, seconds, measured = true) => {
  const prepared = fixedAmount(scenario, await scenario.prepare(side.server, side.state), side.warm, seconds);
  const r = await load({ url: side.server.origin, duration: seconds, ...prepared }, () =>
    side.server.child.sampleRss(),
  );
  // The warm-up is bounded by the clock (its rate is not known yet): it cuts requests off in flight,
  // so its rotations are not checked (run-helpers.mjs fixedAmount), as in bench/run.mjs.
  const check = measured ? await scenario.verify?.(side.server, side.state) : undefined;
  if (check) side.check = mergeChecks(side.check, check);
  return { ...r, cpuUs: (r.serverCores * r.seconds * 1e6) / r.ok };
};
const rounds = [];
try {
  for (const side of sides) side.warm = (await once(side, Number(values.warmup), false)).rps;
  for (let r = 0; r < Number(values.rounds); r++) {
    const round = {};
    for (const side of r % 2 ? [...sides].reverse() : sides) {
      const res = await once(side, duration);
      side.runs.push(res);
      round[side.name] = res.rps;
      log(
        `${side.name} round ${r + 1}: ${res.rps.toFixed(0)} req/s, ${res.cpuUs.toFixed(0)} µs CPU/request, RSS ${res.rssMb?.toFixed(0)} MB, errors ${res.errors}`,
      );
    }
    round.load = Number(loadavg()[0].toFixed(2));
    rounds.push(round);
  }
} finally {
  for (const side of sides) {
    await side.server.child.stop();
    await side.db.drop();
  }
  await closeAgent();
}
const summary = Object.fromEntries(
  sides.map((s) => [
    s.name,
    {
      rps: Math.round(median(s.runs.map((r) => r.rps))),
      cpuUsPerRequest: Number(median(s.runs.map((r) => r.cpuUs)).toFixed(1)),
      peakRssMb: Math.round(Math.max(...s.runs.map((r) => r.rssMb ?? 0))),
      errors: s.runs.reduce((n, r) => n + r.errors, 0),
      ...(s.check ? { rotationCheck: s.check } : {}),
    },
  ]),
);
console.log(
  JSON.stringify({
    scenario: values.scenario,
    backend: values.backend,
    ...summary,
    ratioBA: Number(median(rounds.map((r) => r.B / r.A)).toFixed(3)),
    loadavg: rounds.map((r) => r.load),
  }),
);
