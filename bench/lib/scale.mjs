/**
 * Scale: the token and authorize measurements on a database seeded with 1,000 rows, then with
 * `scaleRows` (default 1,000,000) clients, users, grants and refresh tokens (bench/seed-scale.mjs).
 * client_credentials and /authorize pick a random client of a 1,000-client working set spread over the
 * whole table; refresh and code exchange run as in the comparison. Gatehouse only.
 */
import { SEED_SECRET, seed, seedClientId } from '../seed-scale.mjs';
import {
  basic,
  FORM,
  isCodeRedirect,
  log,
  PKCE_CHALLENGE,
  REDIRECT_URI,
  RESOURCE,
  SCOPES,
} from './common.mjs';
import { signIn } from './flows.mjs';
import { load } from './load.mjs';
import { summarise } from './report.mjs';
import { fixedAmount, mergeChecks } from './run-helpers.mjs';
import { SCENARIOS } from './scenarios.mjs';
import { freshDatabase, migrate, startGatehouse } from './servers.mjs';

const SMALL = 1_000;

/**
 * The clients requests name: the same working set of 1,000 clients at either size, spread evenly over
 * the seeded range, so the comparison isolates table size (B-tree depth, page cache) from cache hit
 * rates (Gatehouse caches client lookups for a few seconds and coalesces last-use writes per minute).
 */
const WORKING_SET = 1_000;
const randomClient = (rows) =>
  seedClientId(Math.floor(Math.random() * WORKING_SET) * Math.floor(rows / WORKING_SET));

const scaleScenarios = {
  client_credentials: (_server, _state, rows) => ({
    requests: [
      {
        method: 'POST',
        path: '/token',
        setupRequest: (req) => ({
          ...req,
          headers: {
            'content-type': FORM,
            authorization: basic({ id: randomClient(rows), secret: SEED_SECRET }),
          },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            scope: 'todos.read',
            resource: RESOURCE,
          }).toString(),
        }),
      },
    ],
  }),
  // /authorize with the signed-in session for a random first-party seeded client: a code per request.
  authorize: (_server, state, rows) => {
    let codes = 0;
    return {
      countOk: () => codes,
      requests: [
        {
          method: 'GET',
          onResponse: (status, _body, _context, headers) => {
            if (status >= 300 && status < 400 && isCodeRedirect(status, headers)) codes += 1;
          },
          setupRequest: (req) => ({
            ...req,
            headers: { cookie: state.session.cookie },
            path: `/authorize?${new URLSearchParams({
              response_type: 'code',
              client_id: randomClient(rows),
              redirect_uri: REDIRECT_URI,
              scope: SCOPES.join(' '),
              resource: RESOURCE,
              state: 's',
              code_challenge: PKCE_CHALLENGE,
              code_challenge_method: 'S256',
            })}`,
          }),
        },
      ],
    };
  },
  refresh_token: (server, state) => SCENARIOS.refresh_token.prepare(server, state),
  authorization_code: (server, state) => SCENARIOS.authorization_code.prepare(server, state),
};

async function measure(options, server, backend, rows) {
  const db = await freshDatabase(backend, `scale${rows}`);
  const out = {};
  try {
    await migrate(db.url);
    const seconds = await seed(db.url, rows);
    log(`scale: seeded ${rows} rows of each kind into ${backend} in ${seconds.toFixed(1)} s`);
    const gh = await startGatehouse(db.url, { label: `scale${rows}` });
    const live = { ...server, child: gh };
    try {
      const state = { options, database: db.url, session: await signIn(server) };
      for (const [key, prepare] of Object.entries(scaleScenarios)) {
        const scenario = SCENARIOS[key] ?? {};
        const warm = await load({
          url: server.origin,
          duration: options.warmup,
          ...(await prepare(live, state, rows)),
        });
        const runs = [];
        let check;
        for (let r = 0; r < options.runs; r++) {
          const prepared = fixedAmount(
            scenario,
            await prepare(live, state, rows),
            warm.rps,
            options.duration,
          );
          runs.push(
            await load({ url: server.origin, duration: options.duration, ...prepared }, () => gh.sampleRss()),
          );
          log(
            `scale ${backend} ${rows} ${key} run ${r + 1}: ${runs.at(-1).rps.toFixed(0)} req/s p50 ${runs.at(-1).p50}`,
          );
          if (scenario.verify) check = mergeChecks(check, await scenario.verify(live, state));
        }
        out[key] = summarise(runs);
        if (check) out[key].rotationCheck = check;
      }
    } finally {
      await gh.stop();
    }
    return { seedSeconds: seconds, results: out };
  } finally {
    await db.drop();
  }
}

export async function runScale(options, server) {
  const rows = [];
  for (const backend of options.backends) {
    const largeRows = backend === 'postgres' ? options.pgScaleRows : options.scaleRows;
    const small = await measure(options, server, backend, SMALL);
    const large = await measure(options, server, backend, largeRows);
    for (const scenario of Object.keys(small.results)) {
      rows.push({
        backend,
        scenario,
        smallRows: SMALL,
        largeRows,
        seedSeconds: large.seedSeconds,
        small: small.results[scenario],
        large: large.results[scenario],
      });
    }
  }
  return rows;
}
