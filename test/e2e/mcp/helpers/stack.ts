import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTodoServer, type TodoServer } from '../../../../examples/todo-mcp/index.js';
import { toNodeListener } from '../../../../src/adapters/node.js';
import { type DemoState, demoOptions } from '../../../../src/cli/demo.js';
import type { GatehouseOptions } from '../../../../src/config/options.js';
import { createGatehouse, type Gatehouse } from '../../../../src/gatehouse.js';
import type { IntrospectionOptions } from '../../../../src/resource/index.js';
import { type CallbackServer, startCallbackServer } from '../../../helpers/browser.js';
import { TEST_SECRET } from '../../../helpers/server.js';

/**
 * Gatehouse and the Todo MCP server on ephemeral loopback ports, plus the MCP client application's
 * loopback redirect listener. Two configurations:
 *
 * - `startDemoStack()`: exactly what `npm start` runs (src/cli/demo.ts `demoOptions`: SQLite files,
 *   the preregistered public client `todo-cli`, CIMD and DCR on, the demo user), only on free ports
 *   and with a clock the test can move.
 * - `startStack()`: a test configuration with a second resource and an introspection client, for
 *   audience-binding and introspection checks.
 */

export interface User {
  email: string;
  password: string;
}

export const USER: User = { email: 'ada@example.com', password: 'correct horse battery' };
export const OTHER_RESOURCE = 'https://other.test/api';
export const INTROSPECTOR = {
  clientId: 'todo-mcp',
  clientSecret: 'todo-mcp-introspection-secret-0123456789',
};

export class TestClock {
  private offset = 0;
  readonly now = () => Date.now() + this.offset;
  advance(seconds: number): void {
    this.offset += seconds * 1000;
  }
}

export interface Stack {
  gh: Gatehouse;
  issuer: string;
  todo: TodoServer;
  /** The Todo MCP endpoint, which is also its resource identifier. */
  mcpUrl: string;
  /** The user who signs in in the browser. */
  user: User;
  /** The MCP client application's loopback redirect listener (`http://127.0.0.1:PORT/callback`). */
  callback: CallbackServer;
  /** Shared by Gatehouse and the Todo server. */
  clock: TestClock;
  /** Gatehouse's access-token lifetime, in seconds. */
  accessTokenTtl: number;
  close(): Promise<void>;
}

interface Parts {
  gh: Gatehouse;
  issuer: string;
  todo: TodoServer;
  user: User;
  clock: TestClock;
  server: Server;
  cleanup?: () => Promise<void>;
}

async function bindGatehousePort(): Promise<{
  server: Server;
  issuer: string;
  port: number;
  attach(gh: Gatehouse): void;
}> {
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (listener) listener(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    issuer: `http://127.0.0.1:${port}`,
    attach(gh) {
      listener = toNodeListener(gh);
    },
  };
}

async function assemble(parts: Parts): Promise<Stack> {
  const callback = await startCallbackServer();
  return {
    gh: parts.gh,
    issuer: parts.issuer,
    todo: parts.todo,
    mcpUrl: parts.todo.url,
    user: parts.user,
    callback,
    clock: parts.clock,
    accessTokenTtl: parts.gh.config.tokens.accessTokenTtl,
    async close() {
      await callback.close();
      await parts.todo.close();
      parts.server.closeAllConnections();
      await new Promise<void>((resolve) => parts.server.close(() => resolve()));
      await parts.gh.close();
      await parts.cleanup?.();
    },
  };
}

/**
 * The demo (`npm start`) in-process: `demoOptions` from src/cli/demo.ts with the ports actually bound,
 * SQLite files in a fresh temporary directory (as under .gatehouse/), a generated demo user, and only
 * a shared test clock added. `cimd` is merged into the demo's CIMD options (e.g. `allowLoopback`).
 */
export async function startDemoStack(overrides: { cimd?: GatehouseOptions['cimd'] } = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-demo-'));
  const clock = new TestClock();
  const bound = await bindGatehousePort();
  const todo = await createTodoServer({
    issuer: bound.issuer,
    databasePath: join(dir, 'todos.db'),
    clock: clock.now,
  });
  const state: DemoState = {
    secret: randomBytes(32).toString('base64url'),
    email: 'demo@example.com',
    password: `demo-${randomBytes(9).toString('base64url')}`,
  };
  const demo = demoOptions(state, bound.port, dir, todo.url);
  if (demo.issuer !== bound.issuer) throw new Error(`demo issuer ${demo.issuer} is not ${bound.issuer}`);
  const gh = await createGatehouse({
    ...demo,
    cimd: { ...demo.cimd, ...overrides.cimd },
    clock: clock.now,
  });
  bound.attach(gh);
  return assemble({
    gh,
    issuer: bound.issuer,
    todo,
    user: { email: state.email, password: state.password },
    clock,
    server: bound.server,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  });
}

/**
 * The test configuration: Todo MCP and another resource, `todo-cli`, an introspection client, one user.
 * `dpopNonce`: both Gatehouse's /token and the Todo server require DPoP nonces (RFC 9449 §8, §9).
 */
export async function startStack(
  options: { introspection?: boolean; dpopNonce?: boolean } = {},
): Promise<Stack> {
  const clock = new TestClock();
  const bound = await bindGatehousePort();
  const introspection: IntrospectionOptions | undefined = options.introspection
    ? { ...INTROSPECTOR, cacheTtl: 0 }
    : undefined;
  const todo = await createTodoServer({
    issuer: bound.issuer,
    databasePath: ':memory:',
    clock: clock.now,
    introspection,
    dpopNonce: options.dpopNonce
      ? { secret: 'todo-mcp dpop nonce secret, for tests only', lifetime: 20 }
      : undefined,
  });
  const gh = await createGatehouse({
    issuer: bound.issuer,
    secret: TEST_SECRET,
    database: 'sqlite::memory:',
    logger: false,
    clock: clock.now,
    resources: [
      { resource: todo.url, name: 'Todo MCP', scopes: ['todos.read', 'todos.write'] },
      { resource: OTHER_RESOURCE, name: 'Other API', scopes: ['todos.read', 'todos.write'] },
    ],
    clients: [
      {
        client_id: 'todo-cli',
        client_name: 'Todo CLI',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
      {
        client_id: INTROSPECTOR.clientId,
        client_secret: INTROSPECTOR.clientSecret,
        grant_types: ['client_credentials'],
        scope: 'todos.read',
        introspect: [todo.url],
      },
    ],
    users: [USER],
    tokens: { accessTokenTtl: 60 },
    dpop: options.dpopNonce ? { requireNonce: true } : undefined,
  });
  bound.attach(gh);
  return assemble({ gh, issuer: bound.issuer, todo, user: USER, clock, server: bound.server });
}
