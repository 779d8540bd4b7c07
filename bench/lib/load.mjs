/**
 * Load generation: autocannon (programmatic), loopback, 10 connections, no pipelining (one request in
 * flight per connection, as OAuth clients behave). Throughput is 2xx responses divided by the elapsed
 * time; anything else (non-2xx, socket errors, timeouts) is an error. Latency percentiles are
 * autocannon's (HdrHistogram of whole milliseconds, all responses; a p50 of 0 means under 1 ms), so
 * the mean latency (fractional) is kept as well for the scale comparison.
 */
import autocannon from 'autocannon';

export const CONNECTIONS = 10;

export async function load(options, sampler) {
  const stopRss = sampler?.();
  // The load generator's own CPU (this process: autocannon runs in it), to show what is left for the server.
  const cpuAtStart = process.cpuUsage();
  const { countOk, ...autocannonOptions } = options;
  // The elapsed time is measured here, to the last response: autocannon notices the end of an
  // `amount`-bounded run only on its next sample tick (1 s), and its own duration includes that wait.
  const started = performance.now();
  let last = started;
  const result = await new Promise((resolve, reject) => {
    const run = autocannon(
      { connections: CONNECTIONS, pipelining: 1, timeout: 10, ...autocannonOptions },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    run.on('response', () => {
      last = performance.now();
    });
  });
  const rss = stopRss?.();
  const cpu = process.cpuUsage(cpuAtStart);
  const generatorCores = (cpu.user + cpu.system) / 1e6 / ((performance.now() - started) / 1000);
  const seconds = (last - started) / 1000;
  // Scenarios whose success is not a 2xx (a redirect carrying a code) count their own successes.
  const ok = countOk ? countOk() : result['2xx'];
  const answered = Object.values(result.statusCodeStats ?? {}).reduce((n, s) => n + s.count, 0);
  return {
    rps: ok / seconds,
    mean: result.latency.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    errors: answered - ok + result.errors + result.timeouts,
    statusCodes: result.statusCodeStats,
    seconds,
    rssMb: rss ? rss.total : undefined,
    rssWorkerMb: rss?.maxWorker || undefined,
    serverCores: rss?.cores,
    generatorCores,
  };
}

/**
 * Requests that each consume one credential from `pool` (authorization codes): `amount` is capped so
 * that no request is sent without a fresh credential.
 */
export function consumingRequests(path, headers, pool, toBody) {
  return {
    amount: Math.max(1, pool.length - 3 * CONNECTIONS),
    requests: [
      {
        method: 'POST',
        path,
        headers,
        setupRequest: (req) => ({ ...req, body: toBody(pool.pop()) }),
      },
    ],
  };
}

/**
 * Refresh-token rotation chains: every connection redeems its current refresh token and continues
 * with the successor from the response, so each request carries a token never presented before.
 * autocannon resets its per-connection `context` between requests, but it calls onResponse and then
 * setupRequest for the same connection synchronously, so the successor is handed over in `handoff`.
 * A failed request ends its chain and the connection starts a new one from `seeds`. The chains are
 * returned for the database check (no lost or doubled rotation).
 */
export function rotatingRequests(path, headers, seeds, toBody) {
  const chains = [];
  let handoff = null;
  const next = () => {
    if (handoff) {
      const chain = handoff;
      handoff = null;
      return chain;
    }
    const seed = seeds.pop();
    if (!seed) throw new Error('out of refresh-token seeds');
    const chain = { first: seed, latest: seed, ok: 0, failed: 0 };
    chains.push(chain);
    return chain;
  };
  return {
    chains,
    requests: [
      {
        method: 'POST',
        path,
        headers,
        setupRequest: (req, context) => {
          context.chain = next();
          return { ...req, body: toBody(context.chain.latest) };
        },
        onResponse: (status, body, context) => {
          const chain = context.chain;
          if (status === 200) {
            chain.latest = JSON.parse(body).refresh_token;
            chain.ok += 1;
            handoff = chain;
          } else {
            chain.failed += 1;
            chain.error = body.slice(0, 200);
          }
        },
      },
    ],
  };
}
