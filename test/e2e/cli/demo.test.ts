import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MCP_PORT, inspectorCliArgs } from '../../../src/cli/demo.js';
import { freePort, runCli, startCli, tempDir } from '../../helpers/cli.js';
import { signIn } from '../admin/support.js';

/**
 * `gatehouse demo` as a newcomer runs it (a real process, in an empty directory): the banner leads to
 * the dashboard with the administrator it prints, to commands for each MCP client whose redirect URIs
 * the named client accepts, and to the CLI on the demo's own data (`--demo`). The Todo MCP server
 * listens on its fixed port (4100), as in `npm start`.
 */

describe('gatehouse demo', () => {
  let dir: string;
  let port: number;
  let demo: Awaited<ReturnType<typeof startCli>>;
  let banner: string;
  let issuer: string;
  const mcp = `http://127.0.0.1:${DEMO_MCP_PORT}/mcp`;

  beforeAll(async () => {
    dir = await tempDir();
    port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    demo = await startCli(['demo', '--port', String(port)], /Press Ctrl-C to stop/, {
      cwd: dir,
      timeoutMs: 60_000,
    });
    banner = demo.output();
  }, 90_000);
  afterAll(async () => {
    demo?.child.kill('SIGTERM');
    await demo?.exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the dashboard and an administrator who can sign in to it', async () => {
    expect(banner).toContain(`Dashboard: ${issuer}/admin`);
    const [, email, password] = /Demo user: (\S+) password: (\S+)/.exec(banner)!;
    const { agent } = await signIn(issuer, issuer, { email: email!, password: password! });
    const dashboard = await agent.request(`${issuer}/admin`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toMatch(/>Clients</);
  });

  it('prints verbatim commands for MCP Inspector (web UI and CLI), Claude Code, Cursor and VS Code, each with its lane', () => {
    expect(banner).toContain(`npx @modelcontextprotocol/inspector --transport http --server-url ${mcp}`);
    expect(banner).toContain(`npx @modelcontextprotocol/inspector ${inspectorCliArgs(mcp).join(' ')}`);
    expect(inspectorCliArgs(mcp)).toEqual(expect.arrayContaining(['--cli', '--client-id', 'todo-cli']));
    expect(banner).toContain(`claude mcp add --transport http todo ${mcp}`);
    expect(banner).toContain(`code --add-mcp '{"name":"todo","type":"http","url":"${mcp}"}'`);
    const deeplink = /cursor:\/\/anysphere\.cursor-deeplink\/mcp\/install\?name=todo&config=(\S+)/.exec(
      banner,
    );
    expect(JSON.parse(Buffer.from(decodeURIComponent(deeplink![1]!), 'base64').toString())).toEqual({
      url: mcp,
    });
    for (const lane of ['CIMD, else DCR', 'registers itself by DCR', 'the preregistered client todo-cli'])
      expect(banner).toContain(lane);
  });

  it.each([
    'http://127.0.0.1:6276/oauth/callback', // Inspector CLI's default
    'http://localhost:6274/oauth/callback', // Inspector web UI
    'http://localhost:6274/oauth/callback/debug', // Inspector 1.x web UI's OAuth debugger
    'http://127.0.0.1:54321/callback', // SDK examples, Claude Code --client-id
  ])('todo-cli accepts the redirect URI %s (sign-in follows, not an error page)', async (redirectUri) => {
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${issuer}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'todo-cli',
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'xyz',
      resource: mcp,
    }).toString();
    const response = await fetch(authorize, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location')!, issuer).pathname).toBe('/login');
  });

  it("a second demo names the server whose port is taken: the Todo MCP server's, exit 1", async () => {
    const other = await tempDir();
    const second = await runCli(['demo', '--port', String(await freePort())], { cwd: other });
    await rm(other, { recursive: true, force: true });
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe(
      `gatehouse: The demo's Todo MCP server cannot listen on 127.0.0.1:${DEMO_MCP_PORT}: the port is in use by another process (another Gatehouse, or the demo?). Stop that process, or choose another port.`,
    );
  });

  it("lets the CLI work on the demo's data with --demo; --demo and --config together are refused", async () => {
    const listed = await runCli(['users', 'list', '--demo'], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ email: 'demo@example.com', admin: true });
    const clients = await runCli(['clients', 'list', '--demo'], { cwd: dir });
    expect(clients.stdout).toContain('"client_id":"todo-cli"');
    const both = await runCli(['users', 'list', '--demo', '--config', 'x.json'], { cwd: dir });
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/'--demo' cannot be used with option '-c, --config/);
    const empty = await tempDir();
    const elsewhere = await runCli(['users', 'list', '--demo'], { cwd: empty });
    await rm(empty, { recursive: true, force: true });
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/--demo: no demo in .*run `npm start`/);
  });
});
