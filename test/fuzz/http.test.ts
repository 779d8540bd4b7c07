import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResponse, isParserRejection } from './support/expectations.js';
import { type FuzzServer, startFuzzServer } from './support/fuzz-server.js';
import { NoResponse, type RawRequest, sendRaw } from './support/raw-http.js';
import { requestArb } from './support/requests.js';

/**
 * Bounded HTTP fuzzing of every route the router serves (the list comes from the router itself, the
 * admin API's table and the dashboard's, so a new route is fuzzed without touching this file).
 * Requests go over raw sockets so that invalid UTF-8, duplicated headers and odd methods arrive as
 * sent. Fixed seed by default; GATEHOUSE_FUZZ_SEED and GATEHOUSE_FUZZ_RUNS explore further.
 * Runs on SQLite, and on PostgreSQL with GATEHOUSE_TEST_DATABASE=postgres.
 */

const SEED = Number(process.env['GATEHOUSE_FUZZ_SEED'] ?? 20_261_127);
const RUNS = Number(process.env['GATEHOUSE_FUZZ_RUNS'] ?? 2_000);
/** Nothing Gatehouse does for one request takes this long on a loaded 2-core machine. */
const RESPONSE_BOUND_MS = 10_000;

let fuzz: FuzzServer;
beforeAll(async () => {
  fuzz = await startFuzzServer();
}, 60_000);
afterAll(async () => {
  await fuzz?.srv.close();
});

function describeRequest(request: RawRequest): string {
  const text = (b: Buffer | string) => {
    const s = Buffer.from(b).toString('latin1');
    return s.length > 300 ? `${s.slice(0, 300)}…(${s.length})` : s;
  };
  const headers = request.headers.map(([k, v]) => `${k}: ${text(v)}`).join(' | ');
  const body = request.body ? ` body(${request.chunked ? 'chunked' : 'length'}): ${text(request.body)}` : '';
  return `${request.method} ${text(request.target)} [${headers}]${body}`;
}

/** A redirect outside the static list may go to a URI a fuzzed registration registered. */
async function isRegisteredElsewhere(location: string | undefined): Promise<boolean> {
  if (!location) return false;
  const clients = await fuzz.srv.gh.store.listClients({ limit: 500 });
  return clients.some((c) => c.redirect_uris.some((uri) => location.startsWith(uri)));
}

describe('HTTP fuzzing of every endpoint and page', () => {
  it('random and mutated requests never get a 5xx, a hang or a malformed error, and the server keeps serving', async () => {
    const port = Number(new URL(fuzz.srv.origin).port);
    const origin = fuzz.srv.origin;
    const problems = new Map<string, string>();
    const reached = new Map<string, number>(fuzz.endpoints.map((e) => [e.path, 0]));
    const statuses = new Map<string, number>();
    let rejectedByParser = 0;
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(requestArb(fuzz.endpoints, fuzz.pool), async ({ endpoint, exact, request }) => {
        const logged = fuzz.errors.length;
        const target = Buffer.from(request.target).toString('latin1');
        let pathname = '';
        try {
          pathname = new URL(target, origin).pathname;
        } catch {}
        let response: Awaited<ReturnType<typeof sendRaw>>;
        try {
          response = await sendRaw(port, request, RESPONSE_BOUND_MS);
        } catch (error) {
          if (!(error instanceof NoResponse)) throw error;
          problems.set(`no response: ${error.message}`, describeRequest(request));
          return;
        }
        slowest = Math.max(slowest, response.ms);
        if (isParserRejection(response)) {
          rejectedByParser++;
          if (process.env['GATEHOUSE_FUZZ_STATS'] && rejectedByParser < 15)
            console.log('parser', response.status, describeRequest(request).slice(0, 600));
        } else if (exact) reached.set(endpoint.path, reached.get(endpoint.path)! + 1);
        const key = `${endpoint.path} ${response.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const found = checkResponse(fuzz.kindOf(pathname), response, {
          head: request.method === 'HEAD',
          issuerOrigin: origin,
          redirectPrefixes: fuzz.redirectPrefixes,
          emptyNotFound: pathname.endsWith('/client-logo'),
        });
        for (const problem of found) {
          if (
            problem.startsWith('redirect to') &&
            (await isRegisteredElsewhere(response.headers.get('location')))
          )
            continue;
          const detail = `${describeRequest(request)}\n  → ${response.status} ${response.body.toString('utf8').slice(0, 300)}`;
          if (!problems.has(`${pathname} ${problem}`)) problems.set(`${pathname} ${problem}`, detail);
        }
        for (const line of fuzz.errors.slice(logged)) {
          problems.set(`error logged: ${line.slice(0, 200)}`, describeRequest(request));
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    if (process.env['GATEHOUSE_FUZZ_STATS']) console.log([...statuses].sort().join('\n'));
    const report = [...problems].map(([problem, example]) => `${problem}\n  ${example}`).join('\n\n');
    expect(report, `seed ${SEED}`).toBe('');
    // Every route was reached past Node's HTTP parser, and most requests were.
    if (RUNS >= 1_000) expect([...reached].filter(([, n]) => n === 0).map(([path]) => path)).toEqual([]);
    expect(rejectedByParser).toBeLessThan(RUNS / 4);
    expect(slowest).toBeLessThan(RESPONSE_BOUND_MS);
    // The server is still up and its database answers.
    const ready = await fetch(`${fuzz.srv.issuer}/health/ready`);
    expect(ready.status).toBe(200);
  }, 180_000);

  it('what the fuzzer found stays fixed: NUL in a field or a client_id, and numbers past a BIGINT, are 4xx on every database', async () => {
    const { issuer } = fuzz.srv;
    const admin = { authorization: fuzz.pool.admin.authorization };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const basicNul = `Basic ${Buffer.from('%00:x').toString('base64')}`;
    const cases: [string, RequestInit][] = [
      ['/admin/api/audit?before=99999999999999999999999', { headers: admin }],
      ['/admin/api/audit?since=99999999999999999999999', { headers: admin }],
      ['/admin/api/audit/export?until=99999999999999999999999', { headers: admin }],
      ['/admin/api/clients?q=%00', { headers: admin }],
      ['/admin/api/users?after=a%00', { headers: admin }],
      ['/admin/api/audit?client_id=%00', { headers: admin }],
      ['/admin/api/clients/%00', { headers: admin }],
      ['/token', { method: 'POST', headers: form, body: 'grant_type=client_credentials&client_id=%00' }],
      [
        '/token',
        {
          method: 'POST',
          headers: { ...form, authorization: basicNul },
          body: 'grant_type=client_credentials',
        },
      ],
      ['/authorize?response_type=code&client_id=a%00', {}],
    ];
    for (const [path, init] of cases) {
      const response = await fetch(`${issuer}${path}`, { ...init, redirect: 'manual' });
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
    }
  });
});
