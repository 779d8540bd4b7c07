#!/usr/bin/env node
/**
 * CPU time per request of a running server process (all its threads, user + system, from
 * /proc/<pid>/stat), which depends far less on machine load than req/s does (issue 18):
 *   node bench/cpu-cost.mjs --pid <pid> --url http://127.0.0.1:4610/jwks.json [--amount 20000]
 *          [--method POST --header 'authorization: Basic …' --body '…']
 * Sends `amount` requests with autocannon (10 connections) after a warm-up of amount/4, and prints
 * the server's CPU µs per request and the load average.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    pid: { type: 'string' },
    url: { type: 'string' },
    amount: { type: 'string', default: '20000' },
    method: { type: 'string', default: 'GET' },
    header: { type: 'string', multiple: true, default: [] },
    body: { type: 'string' },
  },
});

/** user + system clock ticks of a process (all threads), USER_HZ = 100. */
export function ticks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const headers = Object.fromEntries(
  values.header.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]),
);
const run = (amount) =>
  autocannon({ url: values.url, connections: 10, amount, method: values.method, headers, body: values.body });
await run(Math.round(Number(values.amount) / 4));
const before = ticks(values.pid);
const started = performance.now();
const result = await run(Number(values.amount));
const cpuMs = (ticks(values.pid) - before) * 10;
console.log(
  JSON.stringify({
    url: values.url,
    ok: result['2xx'],
    non2xx: result.non2xx,
    cpuUsPerRequest: Number(((cpuMs * 1000) / result['2xx']).toFixed(1)),
    rps: Math.round(result['2xx'] / ((performance.now() - started) / 1000)),
    loadavg: loadavg()[0],
  }),
);
