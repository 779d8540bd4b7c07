import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTodoServer } from '../../examples/todo-mcp/index.js';
import { listen } from '../adapters/node.js';
import type { GatehouseOptions } from '../config/options.js';
import { createGatehouse } from '../gatehouse.js';
import { randomToken } from '../tokens/crypto.js';
import { installShutdown } from './serve.js';
import { capYoungGeneration } from './young-generation.js';

/**
 * `gatehouse demo` (npm start): Gatehouse and the Todo MCP server on loopback with SQLite under
 * .gatehouse/, a demo user, and the `compatibility` preset (a preregistered client, CIMD and DCR). The demo's secret and password are generated on first run and kept in
 * .gatehouse/demo.json, so data (and signing keys) survive a restart.
 */

export interface DemoState {
  secret: string;
  email: string;
  password: string;
}

export const DEMO_MCP_PORT = 4100;

async function demoState(dir: string): Promise<DemoState> {
  const file = join(dir, 'demo.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as DemoState;
  const state: DemoState = {
    secret: randomToken(32),
    email: 'demo@example.com',
    password: `demo-${randomToken(9)}`,
  };
  await mkdir(dir, { recursive: true });
  await writeFile(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

export function demoMcpUrl(): string {
  return `http://127.0.0.1:${DEMO_MCP_PORT}/mcp`;
}

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
    resources: [{ resource: mcpUrl, name: 'Todo MCP', scopes: ['todos.read', 'todos.write'] }],
    clients: [
      {
        client_id: 'todo-cli',
        client_name: 'Todo CLI',
        redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
    ],
    users: [{ email: state.email, password: state.password }],
    // The compatibility preset: every client lane on (CIMD and DCR) and the redirect schemes of
    // well-known desktop clients (cursor://, vscode://…) accepted, so any MCP client connects with no setup.
    compatibility: true,
    logger: 'warn',
    // "Forgot password?" works in the demo: each mail is printed as one JSON line on stdout.
    mailer: 'console',
  };
}

export async function runDemo(opts: { port: number }): Promise<void> {
  const dir = resolve('.gatehouse');
  const state = await demoState(dir);
  capYoungGeneration();
  const gh = await createGatehouse(demoOptions(state, opts.port, dir));
  const { server } = await listen(gh, { port: opts.port, host: '127.0.0.1' });
  const todo = await createTodoServer({
    issuer: gh.config.issuer,
    resource: demoMcpUrl(),
    databasePath: join(dir, 'todos.db'),
    port: DEMO_MCP_PORT,
    host: '127.0.0.1',
  });
  installShutdown(gh, server, () => todo.close());
  const mcp = todo.url;
  console.log(`Gatehouse: ${gh.config.issuer}`);
  console.log(`MCP server: ${mcp}`);
  console.log(`Demo user: ${state.email} password: ${state.password}`);
  console.log('');
  console.log('Connect an MCP client to the MCP server URL; it discovers Gatehouse by itself:');
  console.log(
    `  MCP Inspector:  npx @modelcontextprotocol/inspector  (Streamable HTTP, URL ${mcp}, client ID todo-cli)`,
  );
  console.log(`  Claude Code:    claude mcp add --transport http todo ${mcp}`);
  console.log('  Other clients:  use the URL; clients that need a client ID can use todo-cli (redirect');
  console.log('                  http://127.0.0.1/callback or http://localhost/callback, any port), or');
  console.log('                  register themselves (DCR) or present a client ID metadata document (CIMD).');
  console.log(
    `Sign-up is open at ${gh.config.issuer}/signup. Data lives in .gatehouse/ (delete it to start over).`,
  );
  console.log('Press Ctrl-C to stop.');
}
