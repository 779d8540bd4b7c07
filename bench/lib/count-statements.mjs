/**
 * Preloaded into a Gatehouse server by the scale-out phase (`node --import …/count-statements.mjs`;
 * cluster workers inherit it): counts what goes to PostgreSQL. Every pg `Client.query` is one round
 * trip (pg does not pipeline); the counts per statement text (whitespace collapsed, first 80
 * characters; BEGIN/COMMIT included) are written every 200 ms to $BENCH_STATEMENTS_DIR/<pid>.json,
 * where the harness sums them over the processes before and after a run. Bench only: nothing of this
 * is in Gatehouse.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const dir = process.env.BENCH_STATEMENTS_DIR;
if (dir) {
  mkdirSync(dir, { recursive: true });
  const counts = {};
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : (config?.text ?? config?.name ?? '?');
    const key = String(text).replace(/\s+/g, ' ').trim().slice(0, 80);
    counts[key] = (counts[key] ?? 0) + 1;
    return query.call(this, config, ...rest);
  };
  const file = join(dir, `${process.pid}.json`);
  // Written whole and renamed, so a reader never sees half a file.
  const write = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify(counts));
    renameSync(`${file}.tmp`, file);
  };
  setInterval(write, 200).unref();
}
