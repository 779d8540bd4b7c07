import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listen } from '../adapters/node.js';
import type { GatehouseOptions } from '../config/options.js';
import { createGatehouse } from '../gatehouse.js';
import { randomToken } from '../tokens/crypto.js';
import { installShutdown } from './serve.js';

/**
 * `gatehouse demo` (npm start): Gatehouse on loopback with SQLite under .gatehouse/, a demo user and a
 * preregistered client. The demo's secret and password are generated on first run and kept in
 * .gatehouse/demo.json, so data (and signing keys) survive a restart.
 */

interface DemoState {
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

export function demoOptions(state: DemoState, port: number, dir: string): GatehouseOptions {
  const mcpUrl = `http://127.0.0.1:${DEMO_MCP_PORT}/mcp`;
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
    // Every client lane that exists is on, so any MCP client connects with no setup.
    dcr: { enabled: true },
    logger: 'warn',
  };
}

export async function runDemo(opts: { port: number }): Promise<void> {
  const dir = resolve('.gatehouse');
  const state = await demoState(dir);
  const gh = await createGatehouse(demoOptions(state, opts.port, dir));
  const { server } = await listen(gh, { port: opts.port, host: '127.0.0.1' });
  installShutdown(gh, server);
  console.log(`Gatehouse: ${gh.config.issuer}`);
  console.log(`Metadata: ${gh.config.issuer}/.well-known/oauth-authorization-server`);
  console.log(`Demo user: ${state.email} password: ${state.password}`);
  console.log('Client ID for MCP clients that ask for one: todo-cli');
  console.log('Press Ctrl-C to stop.');
}
