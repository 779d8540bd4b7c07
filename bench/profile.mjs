#!/usr/bin/env node
/**
 * CPU profile of `gatehouse serve` under one load (not part of `npm run bench`):
 *   node bench/profile.mjs [--scenario client_credentials|refresh_token|authorization_code|jwks|…]
 *                          [--backend sqlite|postgres] [--duration 10]
 * Runs the server with `node --cpu-prof`, drives the scenario with autocannon as bench/run.mjs does,
 * stops the server (the profile is written on exit) and prints the top self-time functions and the
 * self time per package / source directory. The .cpuprofile stays under .tmp/bench/prof/ (open it in
 * Chrome DevTools or speedscope for the call tree).
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { log } from './lib/common.mjs';
import { closeAgent, signIn } from './lib/flows.mjs';
import { load } from './lib/load.mjs';
import { fixedAmount } from './lib/run-helpers.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import { freshDatabase, GATEHOUSE, startGatehouse, TMP } from './lib/servers.mjs';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'client_credentials' },
    backend: { type: 'string', default: 'sqlite' },
    duration: { type: 'string', default: '10' },
    top: { type: 'string', default: '30' },
    codes: { type: 'string', default: '15000' },
  },
});

/** Self time per call frame of a .cpuprofile (sample counts × interval). */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const frames = new Map();
  const groups = new Map();
  for (const [id, count] of counts) {
    const { callFrame: f } = byId.get(id);
    const url = f.url.replace(/^file:\/\//, '').replace(process.cwd(), '.');
    const key = `${f.functionName || '(anonymous)'}  ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim();
    frames.set(key, (frames.get(key) ?? 0) + count);
    const group =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
      (/\/dist\/src\/([^/]+)/.exec(url)?.[1]
        ? `gatehouse ${/\/dist\/src\/([^/]+)/.exec(url)[1]}`
        : url.startsWith('node:')
          ? url
          : f.functionName.startsWith('(')
            ? f.functionName
            : url
              ? 'other'
              : '(native)');
    groups.set(group, (groups.get(group) ?? 0) + count);
  }
  // Inclusive time of Gatehouse's own functions: each sample counts once per function on its stack.
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map();
  for (const [id, count] of counts) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { callFrame: f } = byId.get(at);
      if (!f.url.includes('/dist/src/')) continue;
      const key = `${f.functionName || '(anonymous)'}  ${f.url.replace(/^.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + count);
    }
  }
  const pct = (c) => ((100 * c) / total).toFixed(1);
  const sort = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    total,
    frames: sort(frames).map(([k, c]) => ({ pct: Number(pct(c)), frame: k })),
    groups: sort(groups).map(([k, c]) => ({ pct: Number(pct(c)), group: k })),
    inclusive: sort(inclusive).map(([k, c]) => ({ pct: Number(pct(c)), frame: k })),
  };
}

const dir = join(TMP, 'prof', `${values.scenario}-${values.backend}-${Date.now().toString(36)}`);
mkdirSync(dir, { recursive: true });
const db = await freshDatabase(values.backend, 'prof');
const gh = await startGatehouse(db.url, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], label: 'prof' });
const server = { ...GATEHOUSE, child: gh };
const options = { codes: Number(values.codes) };
try {
  const state = { options, database: db.url, session: await signIn(GATEHOUSE) };
  const scenario = SCENARIOS[values.scenario];
  const duration = Number(values.duration);
  const warm = await load({ url: server.origin, duration: 2, ...(await scenario.prepare(server, state)) });
  const prepared = fixedAmount(scenario, await scenario.prepare(server, state), warm.rps, duration);
  const result = await load({ url: server.origin, duration, ...prepared }, () => gh.sampleRss());
  log(
    `${values.scenario}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}, RSS ${result.rssMb?.toFixed(0)} MB`,
  );
} finally {
  await gh.stop();
  await db.drop();
  await closeAgent();
}
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(dir, f))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0];
const { frames, groups, inclusive, total } = selfTimes(JSON.parse(readFileSync(file, 'utf8')));
console.log(`\n${file} (${total} samples, includes set-up and warm-up)\n\nself time by package / directory:`);
for (const g of groups.slice(0, 15)) console.log(`${String(g.pct).padStart(5)}%  ${g.group}`);
console.log('\ntop self-time functions:');
for (const f of frames.slice(0, Number(values.top))) console.log(`${String(f.pct).padStart(5)}%  ${f.frame}`);
console.log('\ninclusive time of Gatehouse functions (self + callees):');
for (const f of inclusive.slice(0, 25)) console.log(`${String(f.pct).padStart(5)}%  ${f.frame}`);
