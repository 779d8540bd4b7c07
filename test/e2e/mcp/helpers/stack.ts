import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTodoServer, type TodoServer } from '../../../../examples/todo-mcp/index.js';
import { toNodeListener } from '../../../../src/adapters/node.js';
import type { GatehouseOptions } from '../../../../src/config/options.js';
import { createGatehouse, type Gatehouse } from '../../../../src/gatehouse.js';
import type { IntrospectionOptions } from '../../../../src/resource/index.js';
import { TEST_SECRET } from '../../../helpers/server.js';

/**
 * Gatehouse and the Todo MCP server on ephemeral loopback ports, configured like the demo: the Todo
 * server as a resource with todos.read and todos.write, the preregistered public client `todo-cli`
 * (redirect http://127.0.0.1/callback, any port), one user. Both share a clock the test can move.
 */

export const USER = { email: 'ada@example.com', password: 'correct horse battery' };
export const OTHER_RESOURCE = 'https://other.test/api';
export const INTROSPECTOR = {
  clientId: 'todo-mcp',
  clientSecret: 'todo-mcp-introspection-secret-0123456789',
};
export const ACCESS_TOKEN_TTL = 60;

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
  clock: TestClock;
  close(): Promise<void>;
}

export async function startStack(
  options: { introspection?: boolean; gatehouse?: Partial<GatehouseOptions> } = {},
): Promise<Stack> {
  const clock = new TestClock();
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => listener!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const introspection: IntrospectionOptions | undefined = options.introspection
    ? { ...INTROSPECTOR, cacheTtl: 0 }
    : undefined;
  const todo = await createTodoServer({ issuer, databasePath: ':memory:', clock: clock.now, introspection });
  const gh = await createGatehouse({
    issuer,
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
    tokens: { accessTokenTtl: ACCESS_TOKEN_TTL },
    ...options.gatehouse,
  });
  listener = toNodeListener(gh);
  return {
    gh,
    issuer,
    todo,
    mcpUrl: todo.url,
    clock,
    async close() {
      await todo.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gh.close();
    },
  };
}
