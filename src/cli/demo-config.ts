import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { GatehouseOptions } from '../config/options.js';
import { randomToken } from '../tokens/crypto.js';

/**
 * The demo's configuration, apart from the demo itself (src/cli/demo.ts, which brings the Todo MCP
 * server and the MCP SDK): `gatehouse <command> --demo` opens the demo's database with it.
 * The demo's secret and password are generated on first run and kept in .gatehouse/demo.json.
 */

export interface DemoState {
  secret: string;
  email: string;
  password: string;
  /** The port the demo last ran on (so that `--demo` commands use the demo's issuer). */
  port?: number;
}

export const DEMO_MCP_PORT = 4100;
export const DEMO_PORT = 4000;
/** Where the demo keeps its state, relative to the working directory. */
export const DEMO_DIR = '.gatehouse';

export function demoMcpUrl(): string {
  return `http://127.0.0.1:${DEMO_MCP_PORT}/mcp`;
}

/** Reads .gatehouse/demo.json, creating it (fresh secret and password) on first run. */
export async function demoState(dir: string): Promise<DemoState> {
  const file = join(dir, 'demo.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as DemoState;
  const state: DemoState = {
    secret: randomToken(32),
    email: 'demo@example.com',
    password: `demo-${randomToken(9)}`,
  };
  await saveDemoState(dir, state);
  return state;
}

export async function saveDemoState(dir: string, state: DemoState): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'demo.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
}

/**
 * Redirect URIs of `todo-cli`, the demo's preregistered public client. Loopback redirects match on
 * any port (RFC 8252 §7.3), so each path is registered once per loopback host:
 * - `/callback`: the MCP SDKs' examples and Claude Code with `--client-id`;
 * - `/oauth/callback`: MCP Inspector, CLI (`http://127.0.0.1:6276/oauth/callback`) and web UI
 *   (`http://localhost:6274/oauth/callback`, the page's origin);
 * - `/oauth/callback/debug`: the Inspector 1.x web UI's OAuth debugger.
 */
export const TODO_CLI_REDIRECT_URIS: readonly string[] = [
  '/callback',
  '/oauth/callback',
  '/oauth/callback/debug',
].flatMap((path) => [`http://127.0.0.1${path}`, `http://localhost${path}`]);

/** `mcpUrl`: the Todo MCP server's resource URL, when it is not on the demo's fixed port (tests). */
export function demoOptions(
  state: DemoState,
  port: number,
  dir: string,
  mcpUrl: string = demoMcpUrl(),
): GatehouseOptions {
  return {
    issuer: `http://127.0.0.1:${port}`,
    port,
    host: '127.0.0.1',
    database: `sqlite:${join(dir, 'gatehouse.db')}`,
    secret: state.secret,
    signup: true,
    resources: [
      {
        resource: mcpUrl,
        name: 'Todo MCP',
        scopes: ['todos.read', 'todos.write'],
        scope_descriptions: {
          'todos.read': 'Read your todos',
          'todos.write': 'Create, change and delete your todos',
        },
      },
    ],
    clients: [
      {
        client_id: 'todo-cli',
        client_name: 'Todo CLI',
        redirect_uris: [...TODO_CLI_REDIRECT_URIS],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
    ],
    // The demo user administers the demo: the dashboard ({issuer}/admin) is one sign-in away.
    users: [{ email: state.email, password: state.password, admin: true }],
    // The compatibility preset: every client lane on (CIMD and DCR) and the redirect schemes of
    // well-known desktop clients (cursor://, vscode://…) accepted, so any MCP client connects with no setup.
    compatibility: true,
    logger: 'warn',
    // "Forgot password?" works in the demo: each mail is printed as one JSON line on stdout.
    mailer: 'console',
  };
}

/**
 * The demo's options for `gatehouse <command> --demo`: its database and secret, read from
 * ./.gatehouse/demo.json, which only `gatehouse demo` (npm start) creates.
 */
export async function loadDemoOptions(cwd = process.cwd()): Promise<GatehouseOptions> {
  const dir = resolve(cwd, DEMO_DIR);
  if (!existsSync(join(dir, 'demo.json')))
    throw new Error(
      `--demo: no demo in ${cwd} (${join(dir, 'demo.json')} is missing); run \`npm start\` (gatehouse demo) here first`,
    );
  const state = await demoState(dir);
  return demoOptions(state, state.port ?? DEMO_PORT, dir);
}
