#!/usr/bin/env node
/**
 * PostgreSQL's capacity for Gatehouse's dominant hot statements on this machine (issue 18), with
 * pgbench: a database migrated by Gatehouse and seeded with `--rows` clients, users, grants and
 * refresh tokens (bench/seed-scale.mjs), then custom scripts of the statements a request sends
 * (src/store/hot/postgres.ts), prepared (-M prepared), `--clients` connections:
 *   - refresh: GET_REFRESH_WITH_GRANT then ROTATE for a random seeded token (one refresh request's
 *     two round trips; a token already rotated makes ROTATE lock the grant and swap nothing);
 *   - lookup: GET_REFRESH_WITH_GRANT alone (a read-only round trip: introspection-like).
 * Reports transactions/s and the CPU the database's backends used per transaction (from /proc), so the
 * capacity of a PostgreSQL with C cores to spare is about C / (CPU per transaction).
 *   node bench/pg-capacity.mjs [--rows 100000] [--clients 10] [--seconds 10]
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { freshDatabase, migrate, PG_ADMIN, TMP } from './lib/servers.mjs';
import { seed } from './seed-scale.mjs';

// The statements of the build under test (GATEHOUSE_BIN's tree, as the servers; default dist/).
const bin = process.env.GATEHOUSE_BIN ?? new URL('../bin/gatehouse.js', import.meta.url).pathname;
const { GET_REFRESH_WITH_GRANT, ROTATE } = await import(
  new URL('../dist/src/store/hot/postgres.js', `file://${resolve(bin)}`).href
);

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    clients: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
  },
});
const rows = Number(values.rows);
const token = `'seedrt' || lpad(:i::text, 7, '0')`;
// pgbench variables become parameters with -M prepared; the statements are Gatehouse's own text with
// its $n placeholders replaced by those expressions.
const lookup = GET_REFRESH_WITH_GRANT.replace('$1', token);
const rotate = ROTATE.replaceAll('$1', token)
  .replaceAll('$2', ':now::bigint')
  .replaceAll('$3', `'pgb' || md5(random()::text)`)
  .replaceAll('$4', `'hash'`)
  .replaceAll('$5', ':exp::bigint');
const head = `\\set i random(1, ${rows})\n\\set now ${Date.now()}\n\\set exp ${Date.now() + 86400_000}\n`;
const scripts = {
  refresh: `${head}${oneLine(lookup)};\n${oneLine(rotate)};\n`,
  lookup: `${head}${oneLine(lookup)};\n`,
};
function oneLine(sql) {
  return sql.replace(/\s+/g, ' ').trim();
}

function ticks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

const db = await freshDatabase('postgres', 'pgcap');
const name = new URL(db.url).pathname.slice(1);
const admin = new pg.Client({ connectionString: PG_ADMIN });
await admin.connect();
const out = { rows, clients: Number(values.clients), seconds: Number(values.seconds), runs: {} };
try {
  await migrate(db.url);
  await seed(db.url, rows);
  for (const [label, script] of Object.entries(scripts)) {
    const file = join(TMP, `pgbench-${label}.sql`);
    writeFileSync(file, script);
    // Backends are sampled while pgbench runs: they exist only as long as its connections.
    const seen = new Map();
    const sample = async () => {
      const { rows: r } = await admin.query(
        "select pid from pg_stat_activity where datname = $1 and backend_type = 'client backend'",
        [name],
      );
      for (const { pid } of r) {
        const t = ticks(pid);
        const s = seen.get(pid) ?? { first: t, last: t };
        s.last = t;
        seen.set(pid, s);
      }
    };
    // The last sample may still be in flight when pgbench ends: awaited before the client closes.
    let sampling = Promise.resolve();
    const timer = setInterval(() => {
      sampling = sampling.then(sample);
    }, 100);
    // Asynchronous, so the sampler runs meanwhile.
    const { stdout: text } = await promisify(execFile)(
      'pgbench',
      ['-n', '-M', 'prepared', '-c', values.clients, '-j', '2', '-T', values.seconds, '-f', file, db.url],
      { encoding: 'utf8' },
    );
    clearInterval(timer);
    await sampling;
    const tps = Number(/tps = ([\d.]+)/.exec(text)?.[1]);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(text)?.[1]);
    const cpuSeconds = [...seen.values()].reduce((n, s) => n + (s.last - s.first), 0) / 100;
    out.runs[label] = {
      tps: Math.round(tps),
      transactions,
      postgresCpuUsPerTransaction: Math.round((cpuSeconds * 1e6) / transactions),
      latencyMs: Number(/latency average = ([\d.]+)/.exec(text)?.[1]),
      loadavg: loadavg()[0],
    };
    console.error(`${label}: ${JSON.stringify(out.runs[label])}`);
  }
} finally {
  await admin.end();
  await db.drop();
}
console.log(JSON.stringify(out));
