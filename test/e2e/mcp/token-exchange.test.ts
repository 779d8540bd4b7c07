import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CalendarApi, createCalendarApi } from '../../../examples/todo-mcp/calendar-api.js';
import { createTodoServer, type TodoServer } from '../../../examples/todo-mcp/index.js';
import { toNodeListener } from '../../../src/adapters/node.js';
import { createGatehouse, type Gatehouse } from '../../../src/gatehouse.js';
import { type CallbackServer, startCallbackServer } from '../../helpers/browser.js';
import { testDatabase } from '../../helpers/server.js';
import { useChromium } from './helpers/browser.js';
import { recordingFetch, TodoCliProvider } from './helpers/clients.js';
import { sdkV2 } from './helpers/sdks.js';
import { TestClock, USER } from './helpers/stack.js';
import { authorizeManually, callToolRaw } from './helpers/tokens.js';

/**
 * Issue 17, token exchange end to end: an MCP SDK client signs a user in for the Todo MCP server and
 * calls list_events; the Todo server exchanges the user's token at Gatehouse (RFC 8693, through
 * `createTokenExchanger` of gatehouse/resource) for one for the Calendar API, which verifies its own
 * audience and sees the user as `sub` and the Todo server as `act`. SQLite, or PostgreSQL with
 * GATEHOUSE_TEST_DATABASE=postgres.
 */

useChromium();

const TODO_CLIENT = { clientId: 'todo-mcp', clientSecret: 'todo-mcp-exchange-secret-0123456789abcdef' };

interface ExchangeStack {
  gh: Gatehouse;
  issuer: string;
  todo: TodoServer;
  calendar: CalendarApi;
  callback: CallbackServer;
  clock: TestClock;
  user: typeof USER;
  close(): Promise<void>;
}

async function startExchangeStack(): Promise<ExchangeStack> {
  const clock = new TestClock();
  let listener: Parameters<typeof createServer>[1] | undefined;
  const server: Server = createServer((req, res) =>
    listener ? listener(req, res) : res.writeHead(503).end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const calendar = await createCalendarApi({ issuer, clock: clock.now });
  const todo = await createTodoServer({
    issuer,
    databasePath: ':memory:',
    clock: clock.now,
    calendar: { resource: calendar.resource, ...TODO_CLIENT },
  });
  const db = await testDatabase();
  const gh = await createGatehouse({
    issuer,
    secret: 'e2e-token-exchange-secret-0123456789abcdef',
    database: db.url,
    logger: false,
    clock: clock.now,
    resources: [
      { resource: todo.url, name: 'Todo MCP', scopes: ['todos.read', 'todos.write', 'calendar.read'] },
      { resource: calendar.resource, name: 'Calendar API', scopes: ['calendar.read'] },
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
        client_id: TODO_CLIENT.clientId,
        client_secret: TODO_CLIENT.clientSecret,
        grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
        resources: [todo.url, calendar.resource],
      },
    ],
    tokenExchange: [{ from: todo.url, to: calendar.resource, scopes: ['calendar.read'] }],
    users: [USER],
    tokens: { accessTokenTtl: 120 },
  });
  listener = toNodeListener(gh);
  const callback = await startCallbackServer();
  return {
    gh,
    issuer,
    todo,
    calendar,
    callback,
    clock,
    user: USER,
    async close() {
      await callback.close();
      await todo.close();
      await calendar.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gh.close();
      await db.cleanup();
    },
  };
}

describe("MCP tool calling a second API on the user's behalf (token exchange)", () => {
  let stack: ExchangeStack;
  beforeAll(async () => {
    stack = await startExchangeStack();
  });
  afterAll(() => stack?.close());

  const exchanges = async () =>
    (await stack.gh.store.listAuditEvents({ type: 'token.exchanged', limit: 100 })).length;

  it('SDK client → Todo MCP list_events → exchange at Gatehouse → Calendar API (sub = user, act = todo-mcp); cached until near expiry', async () => {
    const provider = new TodoCliProvider(stack);
    const { fetch } = recordingFetch();
    const first = sdkV2.open(stack.todo.url, provider, fetch);
    await expect(first.connect()).rejects.toSatisfy(sdkV2.isUnauthorized);
    const asked = provider.authorizations[0]!.url.searchParams.get('scope')!.split(' ');
    expect(asked).toContain('calendar.read');
    await first.finishAuth(provider.lastCallback);
    const session = sdkV2.open(stack.todo.url, provider, fetch);
    await session.connect();

    const result = await session.callTool('list_events');
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect((result.structuredContent as { events: unknown[] }).events).toHaveLength(2);
    const user = await stack.gh.store.getUserByEmail(USER.email);
    expect(stack.calendar.calls.at(-1)).toEqual({ sub: user!.id, actor: 'todo-mcp', clientId: 'todo-mcp' });
    expect(await exchanges()).toBe(1);

    // Cached: a second call reuses the exchanged token.
    expect((await session.callTool('list_events')).isError).toBeFalsy();
    expect(await exchanges()).toBe(1);
    expect(stack.calendar.calls).toHaveLength(2);

    // Within 30 s of the exchanged token's expiry the next call exchanges again.
    stack.clock.advance(100);
    expect((await session.callTool('list_events')).isError).toBeFalsy();
    expect(await exchanges()).toBe(2);
    await session.close();
  });

  it('the Calendar API refuses the Todo token itself (wrong audience), and list_events needs calendar.read (403)', async () => {
    const tokens = await authorizeManually(
      { issuer: stack.issuer, user: stack.user, callback: stack.callback },
      { resource: stack.todo.url, scope: 'todos.read' },
    );
    const direct = await fetch(`${stack.calendar.resource}/events`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(direct.status).toBe(401);
    const tool = await callToolRaw(stack.todo.url, tokens.access_token, 'list_events');
    expect(tool.status).toBe(403);
    expect(tool.headers.get('www-authenticate')).toContain('insufficient_scope');
  });
});
