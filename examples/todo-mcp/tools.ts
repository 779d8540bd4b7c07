import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { McpScopePolicy, TokenExchanger } from '../../src/resource/index.js';
import { TokenExchangeError } from '../../src/resource/index.js';
import type { Todo, TodoStore } from './store.js';

/**
 * The Todo tools and the scopes each needs. The scopes are enforced over HTTP, before a tool runs
 * (HTTP 403 insufficient_scope starts the client's step-up); the handlers only read whose todos to use.
 */

export const SCOPES = ['todos.read', 'todos.write'];

/** Asked of the user for the list_events tool, and carried over to the Calendar API by token exchange. */
export const CALENDAR_SCOPE = 'calendar.read';

/** How list_events reaches the Calendar API: its resource identifier and the token exchanger. */
export interface CalendarAccess {
  resource: string;
  exchanger: TokenExchanger;
  fetch?: typeof fetch;
}

/** `todos.write` implies `todos.read`: a client that may change the list may read it. */
export const SCOPE_HIERARCHY = { 'todos.write': ['todos.read'] };

export const SCOPE_POLICY: McpScopePolicy = {
  tools: {
    list_todos: ['todos.read'],
    add_todo: ['todos.write'],
    complete_todo: ['todos.write'],
    // On the user's behalf at the Calendar API (calendar-api.ts): the scope the exchange carries over.
    list_events: [CALENDAR_SCOPE],
  },
};

const todoShape = {
  id: z.number().int(),
  title: z.string(),
  done: z.boolean(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
};

function subjectOf(extra: { authInfo?: { extra?: Record<string, unknown> } }): string {
  const sub = extra.authInfo?.extra?.sub;
  // Unreachable behind the bearer check; a server wired without it must not fall back to a shared list.
  if (typeof sub !== 'string') throw new Error('no authenticated user');
  return sub;
}

const line = (todo: Todo) => `#${todo.id} [${todo.done ? 'x' : ' '}] ${todo.title}`;

function result(text: string, structuredContent: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent };
}

/** A fresh MCP server for one request (the endpoint is stateless), bound to the store. */
export function buildTodoMcpServer(store: TodoStore, calendar?: CalendarAccess): McpServer {
  const server = new McpServer({ name: 'gatehouse-todo', version: '0.1.0' });

  server.registerTool(
    'list_todos',
    {
      title: 'List todos',
      description: 'Lists your todos, oldest first. Needs the todos.read scope.',
      outputSchema: { todos: z.array(z.object(todoShape)) },
      annotations: { readOnlyHint: true },
    },
    async (extra) => {
      const todos = store.list(subjectOf(extra));
      return result(todos.length ? todos.map(line).join('\n') : 'No todos yet.', { todos });
    },
  );

  server.registerTool(
    'add_todo',
    {
      title: 'Add a todo',
      description: 'Adds a todo to your list. Needs the todos.write scope.',
      inputSchema: { title: z.string().trim().min(1).max(500).describe('What needs doing') },
      outputSchema: { todo: z.object(todoShape) },
    },
    async ({ title }, extra) => {
      const todo = store.add(subjectOf(extra), title);
      return result(`Added ${line(todo)}`, { todo });
    },
  );

  server.registerTool(
    'complete_todo',
    {
      title: 'Complete a todo',
      description: 'Marks one of your todos as done. Needs the todos.write scope.',
      inputSchema: { id: z.number().int().positive().describe('The todo number, as listed') },
      outputSchema: { todo: z.object(todoShape) },
      annotations: { idempotentHint: true },
    },
    async ({ id }, extra) => {
      const todo = store.complete(subjectOf(extra), id);
      if (!todo) return { isError: true, content: [{ type: 'text', text: `You have no todo #${id}.` }] };
      return result(`Completed ${line(todo)}`, { todo });
    },
  );

  if (calendar) registerCalendarTool(server, calendar);
  return server;
}

/**
 * list_events: the on-behalf-of call (RFC 8693). The user's token for this server is exchanged at
 * Gatehouse for one for the Calendar API (cached until it nearly expires), which then answers for
 * the same user, seeing this server as the actor.
 */
function registerCalendarTool(server: McpServer, calendar: CalendarAccess): void {
  server.registerTool(
    'list_events',
    {
      title: 'List calendar events',
      description: 'Lists your upcoming events from the Calendar API. Needs the calendar.read scope.',
      annotations: { readOnlyHint: true },
    },
    async (extra) => {
      const authInfo = extra.authInfo;
      if (!authInfo) throw new Error('no authenticated user');
      try {
        const exchanged = await calendar.exchanger.exchange(authInfo, {
          resource: calendar.resource,
          scopes: [CALENDAR_SCOPE],
        });
        const response = await (calendar.fetch ?? fetch)(`${calendar.resource}/events`, {
          headers: { authorization: `Bearer ${exchanged.accessToken}` },
        });
        if (response.status !== 200) throw new Error(`the Calendar API answered ${response.status}`);
        const body = (await response.json()) as { events: { title: string; start: string }[] };
        const text = body.events.map((e) => `${e.start} ${e.title}`).join('\n') || 'No events.';
        return result(text, { events: body.events });
      } catch (error) {
        const message = error instanceof TokenExchangeError ? error.message : (error as Error).message;
        return { isError: true, content: [{ type: 'text', text: `Calendar unavailable: ${message}` }] };
      }
    },
  );
}
