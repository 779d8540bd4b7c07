import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  type AuthenticatedRequest,
  protectedResourceMetadata,
  requireBearerAuth,
} from '../../src/resource/express.js';
import {
  corsHeaders,
  createProtectedResource,
  createTokenExchanger,
  type DpopNonceOptions,
  type IntrospectionOptions,
  mcpRequiredScopes,
  type ProtectedResource,
} from '../../src/resource/index.js';
import { TodoStore } from './store.js';
import {
  buildTodoMcpServer,
  CALENDAR_SCOPE,
  type CalendarAccess,
  SCOPE_HIERARCHY,
  SCOPE_POLICY,
  SCOPES,
} from './tools.js';

/**
 * The Todo MCP server: the official MCP SDK's `McpServer` over its streamable HTTP transport,
 * protected by `gatehouse/resource`, on plain node:http. The endpoint is stateless (a fresh server and
 * transport per request, JSON responses, no SSE stream), so every request is authorized on its own
 * (MCP "Token Handling") and any client, v1 or v2 SDK, can call it without session bookkeeping.
 */

export interface TodoServerOptions {
  /** The Gatehouse issuer, exactly as configured there. */
  issuer: string;
  /**
   * This server's resource identifier, exactly as configured in Gatehouse; its path is the MCP
   * endpoint. @default `http://{host}:{port}/mcp` with the port actually bound
   */
  resource?: string;
  /** SQLite file for the todos (created with its directory), or `:memory:`. */
  databasePath: string;
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Check every token with Gatehouse (RFC 7662) instead of locally. */
  introspection?: IntrospectionOptions;
  /**
   * The Calendar API the list_events tool calls on the user's behalf (token exchange, RFC 8693): its
   * resource identifier and this server's confidential client at Gatehouse. Without it, no such tool.
   */
  calendar?: { resource: string; clientId: string; clientSecret: string };
  /**
   * Require server-provided nonces in DPoP proofs (RFC 9449 §9); give every instance the same secret.
   */
  dpopNonce?: DpopNonceOptions;
  /** For tests: a shared clock and fetch. */
  clock?: () => number;
  fetch?: typeof fetch;
}

export interface TodoServer {
  /** The MCP endpoint (the resource identifier). */
  url: string;
  resource: ProtectedResource;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined; // the transport answers the JSON-RPC parse error
  }
}

function reply(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { ...corsHeaders(), 'content-type': 'application/json' });
  res.end(
    JSON.stringify({ jsonrpc: '2.0', error: { code: status === 405 ? -32000 : -32603, message }, id: null }),
  );
}

export async function createTodoServer(options: TodoServerOptions): Promise<TodoServer> {
  const host = options.host ?? '127.0.0.1';
  const store = new TodoStore(options.databasePath);
  let handle: (req: AuthenticatedRequest, res: ServerResponse) => void = (_req, res) =>
    reply(res, 503, 'starting');
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const resourceId = options.resource ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`;
  const endpointPath = new URL(resourceId).pathname;

  const resource = createProtectedResource({
    issuer: options.issuer,
    resource: resourceId,
    resourceName: 'Todo MCP',
    scopesSupported: options.calendar ? [...SCOPES, CALENDAR_SCOPE] : SCOPES,
    scopeHierarchy: SCOPE_HIERARCHY,
    introspection: options.introspection,
    dpop: options.dpopNonce ? { nonce: options.dpopNonce } : undefined,
    clock: options.clock,
    fetch: options.fetch,
  });
  const calendar: CalendarAccess | undefined = options.calendar && {
    resource: options.calendar.resource,
    fetch: options.fetch,
    // One exchanger for the server's life: its cache outlives the per-request MCP servers.
    exchanger: createTokenExchanger({
      issuer: options.issuer,
      clientId: options.calendar.clientId,
      clientSecret: options.calendar.clientSecret,
      fetch: options.fetch,
      clock: options.clock,
    }),
  };
  const metadata = protectedResourceMetadata(resource);
  const authenticate = requireBearerAuth(resource, {
    scopes: (req) => mcpRequiredScopes(req.body, SCOPE_POLICY),
  });

  const serveMcp = async (req: AuthenticatedRequest, res: ServerResponse) => {
    // Stateless: there is no standalone SSE stream to open and no session to delete.
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      return reply(res, 405, 'Method not allowed: this endpoint is stateless; use POST.');
    }
    const mcp = buildTodoMcpServer(store, calendar);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  handle = (req, res) => {
    const fail = (error: unknown) => {
      const status = (error as { status?: number }).status ?? 500;
      if (status === 500) console.error('todo-mcp:', error);
      reply(res, status, status === 500 ? 'Internal server error' : String((error as Error).message));
    };
    const route = async () => {
      const url = req.url ?? '/';
      const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
      if (path !== endpointPath) return reply(res, 404, 'Not found');
      if (req.method === 'POST') req.body = await readJson(req);
      authenticate(req, res, (error) => (error ? fail(error) : serveMcp(req, res).catch(fail)));
    };
    metadata(req, res, (error) => (error ? fail(error) : route().catch(fail)));
  };

  return {
    url: resourceId,
    resource,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}
