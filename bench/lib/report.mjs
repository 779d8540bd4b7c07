/** Aggregation (medians of the runs) and the printed/markdown table. */
import { median } from './common.mjs';
import { RSS_TARGET_MB, SCALE_TARGET, TARGETS, VERIFY_TARGET, WORKERS_TARGET } from './targets.mjs';

export function summarise(runs) {
  return {
    rps: median(runs.map((r) => r.rps)),
    mean: median(runs.map((r) => r.mean)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    requests: runs.reduce((n, r) => n + r.ok + r.errors, 0),
    peakRssMb: Math.max(0, ...runs.map((r) => r.rssMb ?? 0)) || undefined,
    serverCores: median(runs.map((r) => r.serverCores ?? Number.NaN)),
    // Server CPU (all threads of the process tree) per successful request: far less sensitive to the
    // machine's load than req/s, so the ratio of two servers' figures holds on a busy machine.
    cpuUsPerRequest: median(runs.map((r) => ((r.serverCores ?? Number.NaN) * r.seconds * 1e6) / r.ok)),
    generatorCores: median(runs.map((r) => r.generatorCores ?? Number.NaN)),
    runs: runs.length,
  };
}

const n = (v, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
const mark = (ok) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');

const PEER_COLUMNS = ['floor', 'oidc-provider-memory', 'oidc-provider'];

/** Rows of the main table: one per scenario and backend, plus the extra measurements. */
export function tableRows(results) {
  const rows = [];
  for (const row of results.compare) {
    const g = row.gatehouse;
    const target = TARGETS[row.scenario];
    const met = target?.check(row);
    const rssOk = g.peakRssMb === undefined ? undefined : g.peakRssMb <= RSS_TARGET_MB;
    let note = '';
    if (row.rotationCheck) {
      const c = row.rotationCheck;
      note = ` (rotations checked: ${c.rotations}, lost ${c.lost}, doubled ${c.doubled}, stale ${c.staleLive})`;
    }
    const ratios = row.ratios ?? { 'oidc-provider': row.ratio };
    const loads = row.loadavg ?? [];
    rows.push([
      `${row.label}`,
      row.backend,
      n(g.rps),
      ...PEER_COLUMNS.map((peer) => (row[peer] ? n(row[peer].rps) : '–')),
      ...PEER_COLUMNS.map((peer) => (ratios[peer] === undefined ? '–' : `${n(ratios[peer], 2)}×`)),
      [g, ...PEER_COLUMNS.map((peer) => row[peer])].map((x) => (x ? n(x.cpuUsPerRequest) : '–')).join(' / '),
      `${n(g.p50)} / ${n(g.p99)} (${n(g.mean, 2)})`,
      `${g.errors}`,
      `${n(g.peakRssMb)}${rssOk === false ? ' (over)' : ''}`,
      loads.length ? `${n(Math.min(...loads), 1)}–${n(Math.max(...loads), 1)}` : '–',
      `${target?.text ?? ''} ${mark(met)}${note}`.trim(),
    ]);
  }
  return rows;
}

export const HEADER = [
  'scenario',
  'db',
  'Gatehouse req/s',
  'floor req/s',
  'OP memory req/s',
  'OP SQL req/s',
  'GH/floor',
  'GH/OP memory',
  'GH/OP SQL',
  'CPU µs/request GH / floor / OP mem / OP SQL',
  'GH p50/p99 (mean) ms',
  'GH errors',
  'GH peak RSS MB',
  'load avg (1 min)',
  'target',
];

export function extraLines(results) {
  const lines = [];
  const w = results.workers;
  if (w) {
    lines.push(
      `client_credentials, serve --workers 2 vs 1 (sqlite): ${n(w.workers.rps)} vs ${n(w.single.rps)} req/s = ${n(w.ratio, 2)}× ` +
        `(target ≥ ${WORKERS_TARGET}×: ${mark(w.ratio >= WORKERS_TARGET)}); p50/p99 ${n(w.workers.p50, 1)}/${n(w.workers.p99, 1)} ms; ` +
        `errors ${w.workers.errors}; RSS total ${n(w.workers.peakRssMb)} MB`,
    );
    if (Number.isFinite(w.single.serverCores) && w.cores) {
      // What the machine allows: the single process's CPU per request plus the load generator's, with
      // every core of the machine busy. Two workers cannot beat this on this machine.
      const perRequest = (w.single.serverCores + w.single.generatorCores) / w.single.rps;
      const ceiling = w.cores / perRequest / w.single.rps;
      lines.push(
        `workers CPU (${w.cores} cores): one process used ${n(w.single.serverCores, 2)} cores (main thread + signing on the thread pool) and the load generator ${n(w.single.generatorCores, 2)}; ` +
          `two workers ${n(w.workers.serverCores, 2)} + ${n(w.workers.generatorCores, 2)}. With every core busy at one process's cost per request, ` +
          `two workers could reach at most ${n(ceiling, 2)}× here: the ${WORKERS_TARGET}× target needs cores this machine does not have`,
      );
    }
  }
  const v = results.inprocess?.verify;
  if (v) {
    lines.push(
      `bearer verification, one core: gatehouse/resource ${n(v.gatehouse.opsPerSec)}/s vs bare jose ${n(v.jose.opsPerSec)}/s ` +
        `= ${n(v.slowdown, 2)}× the time (target within ${VERIFY_TARGET}×: ${mark(v.slowdown <= VERIFY_TARGET)})`,
    );
  }
  const a = results.inprocess?.authorize;
  if (a) {
    lines.push(
      `/authorize to the sign-in redirect, in process (sqlite): preregistered ${n(a.preregistered.meanMs, 3)} ms, cached CIMD ${n(a.cimd.meanMs, 3)} ms ` +
        `(+${n(a.cimd.meanMs - a.preregistered.meanMs, 3)} ms; ${n(a.preregistered.opsPerSec)}/s vs ${n(a.cimd.opsPerSec)}/s)`,
    );
  }
  for (const s of results.scale ?? []) {
    const ratio = s.large.mean / s.small.mean;
    const rpsRatio = s.small.rps / s.large.rps;
    lines.push(
      `scale ${s.backend} ${s.scenario}: ${n(s.smallRows)} rows ${n(s.small.rps)} req/s, mean ${n(s.small.mean, 2)} ms (p99 ${n(s.small.p99)}) | ` +
        `${n(s.largeRows)} rows ${n(s.large.rps)} req/s, mean ${n(s.large.mean, 2)} ms (p99 ${n(s.large.p99)}) → latency ×${n(ratio, 2)}, req/s ÷${n(rpsRatio, 2)} ` +
        `(target ≤ ${SCALE_TARGET}×: ${mark(ratio <= SCALE_TARGET && rpsRatio <= SCALE_TARGET)}; errors ${s.small.errors}/${s.large.errors})`,
    );
  }
  return lines;
}

export function printTable(results) {
  const rows = [HEADER, ...tableRows(results)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  const out = [
    line(rows[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    '',
    ...extraLines(results),
  ];
  return out.join('\n');
}

export function markdownTable(results) {
  const rows = tableRows(results);
  const md = [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return [...md, '', ...extraLines(results).map((l) => `- ${l}`)].join('\n');
}
