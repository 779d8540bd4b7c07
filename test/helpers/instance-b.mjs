// Instance B of the two-instance topology (test/helpers/two-instances.ts): a second Gatehouse process
// on the same database, built from dist/ (run `npm run build` first), listening on an ephemeral loopback
// port behind the round-robin proxy. Its options arrive as JSON in GATEHOUSE_INSTANCE_SPEC; options that
// are functions in the test (policy hooks, fetchers, the mailer) are called back in the test process
// through its bridge (POST <bridge>/call), a test clock arrives on each request in a header, and logs go
// to stdout as JSON lines for the test to read. Prints "READY <origin>" on stderr once listening.
import { createServer } from 'node:http';
import { toNodeListener } from '../../dist/src/adapters/node.js';
import { createGatehouse } from '../../dist/src/gatehouse.js';

const CLOCK_HEADER = 'x-gatehouse-test-clock';
const spec = JSON.parse(process.env.GATEHOUSE_INSTANCE_SPEC ?? '{}');
const options = spec.options;

async function callBridge(path, args) {
  const response = await fetch(`${spec.bridge}/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path, args }),
  });
  const answer = await response.json();
  if (answer.error !== undefined) throw new Error(answer.error);
  if (answer.response) {
    const { status, headers, body } = answer.response;
    const bytes = body === null ? null : Buffer.from(body, 'base64');
    return new Response(bytes, { status, headers });
  }
  return answer.value;
}

/** A plain copy of a fetch init: headers as a record, no AbortSignal. */
function plainArg(arg) {
  if (!arg || typeof arg !== 'object' || Array.isArray(arg)) return arg;
  const { signal: _signal, ...rest } = arg;
  if (rest.headers instanceof Headers) rest.headers = Object.fromEntries(rest.headers);
  return rest;
}

for (const path of spec.functions ?? []) {
  let parent = options;
  for (const key of path.slice(0, -1)) parent = parent[key];
  parent[path.at(-1)] = (...args) => callBridge(path, args.map(plainArg));
}

let now = spec.clock;
if (now !== undefined) options.clock = () => now;
if (spec.log) options.logger = { level: spec.log, destination: process.stdout };

const gh = await createGatehouse(options);
const listener = toNodeListener(gh);
const server = createServer((req, res) => {
  const clock = req.headers[CLOCK_HEADER];
  if (typeof clock === 'string') {
    now = Number(clock);
    delete req.headers[CLOCK_HEADER];
  }
  listener(req, res);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stderr.write(`READY http://127.0.0.1:${server.address().port}\n`);
});

const stop = async () => {
  server.closeAllConnections();
  server.close();
  await gh.close().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
