import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectorCliArgs } from '../../../src/cli/demo.js';
import type { ApproveOptions, AuthorizationOutcome } from '../../helpers/browser.js';
import { ensureInspector, INSPECTOR_DIR, INSPECTOR_VERSION, NODE24 } from '../../helpers/ci-tools.js';
import { approveInBrowser, useChromium } from './helpers/browser.js';
import { type Stack, startDemoStack } from './helpers/stack.js';

/**
 * MCP Inspector's CLI (`@modelcontextprotocol/inspector`, pinned) against the demo, headless:
 * `MCP_AUTO_OPEN_ENABLED=true` makes it "open a browser" without a TTY, and BROWSER points the opener
 * (the `open` package's xdg-open, generic mode) at a script that only records the URL; the test
 * approves that URL in Chromium, and the Inspector's own loopback listener receives the redirect.
 * `MCP_INSPECTOR_SECRET_STORE=memory` keeps tokens in memory; HOME is a temporary directory, and the
 * environment carries no proxy settings, so nothing leaves loopback. The Inspector needs Node >= 22.19,
 * so it is not in package.json: it runs on Node 24 from .ci/inspector (test/helpers/ci-tools.ts).
 */

useChromium();

const PINNED = INSPECTOR_VERSION;
/** The Inspector CLI's OAuth callback when no --callback-url is given (its --help). */
const INSPECTOR_DEFAULT_CALLBACK = 'http://127.0.0.1:6276/oauth/callback';
let launcher: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface InspectorRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the Inspector asked the system to open (recorded by the BROWSER script). */
  opened: string[];
  outcome: AuthorizationOutcome;
}

describe(`MCP Inspector CLI ${PINNED} against the demo`, () => {
  let stack: Stack;
  let home: string;
  let openedFile: string;
  let opener: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    launcher = await ensureInspector();
    stack = await startDemoStack();
    home = await mkdtemp(join(tmpdir(), 'gatehouse-inspector-'));
    await mkdir(join(home, 'home'));
    openedFile = join(home, 'opened.txt');
    opener = join(home, 'open-url.sh');
    await writeFile(opener, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${openedFile}'\n`);
    await chmod(opener, 0o755);
  }, 180_000); // a first run installs Node 24 and the Inspector
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await stack?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  /**
   * Runs the Inspector CLI with `args`; approves the authorization it opens in Chromium. `asPrinted`:
   * the command line the demo's banner prints (src/cli/demo.ts), with the Inspector's default callback.
   */
  async function runInspector(
    args: string[],
    onPage?: ApproveOptions['onPage'],
    asPrinted = false,
  ): Promise<InspectorRun> {
    await writeFile(openedFile, '');
    const callbackUrl = asPrinted
      ? INSPECTOR_DEFAULT_CALLBACK
      : `http://127.0.0.1:${await freePort()}/callback`;
    const prefix = asPrinted
      ? inspectorCliArgs(stack.mcpUrl)
      : [
          '--cli',
          stack.mcpUrl,
          '--transport',
          'http',
          '--client-id',
          'todo-cli',
          '--callback-url',
          callbackUrl,
        ];
    const child = spawn(NODE24, [launcher, ...prefix, '--format', 'json', ...args], {
      cwd: home,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: join(home, 'home'),
        MCP_AUTO_OPEN_ENABLED: 'true',
        MCP_INSPECTOR_SECRET_STORE: 'memory',
        BROWSER: opener,
        NO_COLOR: '1',
      },
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const describeRun = () => `exit ${child.exitCode}\nstdout: ${stdout}\nstderr: ${stderr}`;

    // Wait for the Inspector to "open the browser".
    const deadline = Date.now() + 20_000;
    let opened: string[] = [];
    while (opened.length === 0) {
      if (child.exitCode !== null)
        throw new Error(`the Inspector exited before opening a browser: ${describeRun()}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the Inspector opened no browser within 20 s: ${describeRun()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      opened = (await readFile(openedFile, 'utf8')).split('\n').filter(Boolean);
    }
    const authorizationUrl = new URL(opened[0]!);
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(callbackUrl);
    const outcome = await approveInBrowser(authorizationUrl, stack.user, { onPage });

    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await exited.finally(() => clearTimeout(timer));
    children.delete(child);
    return { code, stdout, stderr, opened, outcome };
  }

  it("runs the demo banner's command as printed: the preregistered todo-cli with the Inspector's default callback, to tools/list", async () => {
    const run = await runInspector([], undefined, true);
    expect(new URL(run.opened[0]!).searchParams.get('redirect_uri')).toBe(INSPECTOR_DEFAULT_CALLBACK);
    expect(run.code, run.stderr).toBe(0);
    const listed = JSON.parse(run.stdout) as { result: { tools: { name: string }[] } };
    expect(listed.result.tools.map((t) => t.name)).toContain('add_todo');
  });

  it(`is the pinned version ${PINNED}`, () => {
    const pkg = JSON.parse(readFileSync(join(INSPECTOR_DIR, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(PINNED);
  });

  it('completes tools/call with the preregistered client todo-cli, the authorization approved in Chromium; a fresh Inspector process authorizes again and sees the result', async () => {
    const consent: Record<string, string | null> = {};
    const first = await runInspector(
      ['--method', 'tools/call', '--tool-name', 'add_todo', '--tool-arg', 'title=Try the Inspector'],
      async (step, page) => {
        if (step !== 'consent') return;
        consent.client = await page.locator('#client-name').textContent();
        consent.resource = await page.locator('#resource-name').textContent();
      },
    );

    // The Inspector discovered Gatehouse from the Todo server and asked to open exactly one
    // authorization request: the preregistered client, PKCE S256, the challenged scope and the resource.
    expect(first.opened).toHaveLength(1);
    const asked = new URL(first.opened[0]!);
    expect(asked.origin + asked.pathname).toBe(`${stack.issuer}/authorize`);
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'todo-cli',
      code_challenge_method: 'S256',
      // SEP-2207: the Inspector appends offline_access, which the metadata lists (Gatehouse drops it).
      scope: 'todos.read todos.write offline_access',
      resource: stack.mcpUrl,
    });
    expect(first.stderr).toContain(`Please navigate to: ${asked.href}`);

    // In Chromium: the demo user signed in and allowed "Todo CLI"; the code went to the Inspector's listener.
    expect(first.outcome.steps).toEqual(['sign-in', 'consent']);
    expect(consent).toEqual({ client: 'Todo CLI', resource: 'Todo MCP' });
    expect(first.outcome.redirect.searchParams.get('state')).toBe(asked.searchParams.get('state'));
    expect(first.outcome.redirect.searchParams.get('iss')).toBe(stack.issuer);
    expect(first.outcome.redirect.searchParams.get('code')).toBeTruthy();

    // The Inspector redeemed the code and the tool call succeeded on the Todo server.
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('Authorization complete.');
    const added = JSON.parse(first.stdout) as { result: { isError?: boolean; structuredContent: unknown } };
    expect(added.result.isError).toBeFalsy();
    expect(added.result.structuredContent).toMatchObject({
      todo: { title: 'Try the Inspector', done: false },
    });

    // A new Inspector process keeps no tokens (memory secret store): it authorizes again (the browser
    // is still signed in) and reads the todo back for the same user.
    const second = await runInspector(['--method', 'tools/call', '--tool-name', 'list_todos']);
    expect(second.opened).toHaveLength(1);
    expect(second.outcome.steps).not.toContain('sign-in');
    expect(second.code, second.stderr).toBe(0);
    const listed = JSON.parse(second.stdout) as {
      result: { structuredContent: { todos: { title: string }[] } };
    };
    expect(listed.result.structuredContent.todos.map((t) => t.title)).toEqual(['Try the Inspector']);
  });
});
