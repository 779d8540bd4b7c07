import { afterAll, beforeAll, bench, describe } from 'vitest';
import { cimdOptions, DocumentHost } from '../test/helpers/cimd.js';
import { RESOURCE } from '../test/helpers/fixtures.js';
import { startServer, type TestServer } from '../test/helpers/server.js';

/**
 * /authorize for a preregistered client next to a cached CIMD client (issue 4: the CIMD lane adds
 * < 1 ms median). Both requests stop at the sign-in redirect (no session), so the difference is client
 * resolution: a database read either way, plus the CIMD freshness check. In-process through gh.fetch,
 * so the HTTP stack is not measured. Run: `npx vitest bench --run bench/authorize.bench.ts`.
 */
const CIMD_CLIENT = 'https://tool.example.com/oauth/client.json';
const OPTIONS = { time: 2_000, warmupTime: 500 };
let srv: TestServer;
let preregistered: string;
let cimd: string;

const url = (clientId: string) =>
  `${srv.issuer}/authorize?${new URLSearchParams({
    client_id: clientId,
    redirect_uri: 'http://127.0.0.1:5000/callback',
    response_type: 'code',
    state: 'bench',
    resource: RESOURCE,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  })}`;

beforeAll(async () => {
  const host = new DocumentHost();
  host.publish(CIMD_CLIENT, {}, { 'cache-control': 'max-age=86400' });
  srv = await startServer(cimdOptions(host));
  preregistered = url('native-app');
  cimd = url(CIMD_CLIENT);
  // Fetch and cache the document once.
  const first = await srv.gh.fetch(new Request(cimd));
  if (first.status !== 302) throw new Error(`CIMD warm-up failed: ${first.status}`);
});
afterAll(() => srv.close());

describe('/authorize up to the sign-in redirect', () => {
  bench(
    'preregistered client',
    async () => {
      await srv.gh.fetch(new Request(preregistered));
    },
    OPTIONS,
  );
  bench(
    'cached CIMD client',
    async () => {
      await srv.gh.fetch(new Request(cimd));
    },
    OPTIONS,
  );
});
