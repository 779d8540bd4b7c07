import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedV2,
} from '@modelcontextprotocol/client';
import { UnauthorizedError as UnauthorizedV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stepUpFetch, type TodoCliProvider } from './clients.js';

/**
 * The two MCP SDK lines behind one small interface, so one scenario runs against both. Each
 * `session` is what an MCP client application holds: a Client on a streamable HTTP transport, with
 * the application's OAuth provider. After a redirect to the authorization server, the SDK throws
 * UnauthorizedError; the application calls `finishAuth` with the callback, then connects anew.
 */

export interface ToolResult {
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface McpSession {
  connect(): Promise<void>;
  callTool(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  finishAuth(callback: URL): Promise<void>;
  close(): Promise<void>;
}

export interface McpSdk {
  name: string;
  open(url: string, provider: TodoCliProvider, fetchFn: typeof fetch): McpSession;
  isUnauthorized(error: unknown): boolean;
}

export const sdkV1: McpSdk = {
  name: '@modelcontextprotocol/sdk (v1)',
  open(url, provider, fetchFn) {
    const client = new ClientV1({ name: 'todo-e2e', version: '1.0.0' });
    const transport = new TransportV1(new URL(url), {
      authProvider: provider,
      fetch: stepUpFetch(fetchFn, provider),
    });
    return {
      connect: () => client.connect(transport),
      callTool: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as ToolResult,
      // v1 takes the code alone and does not check the RFC 9207 `iss` parameter.
      finishAuth: (callback) => transport.finishAuth(callback.searchParams.get('code')!),
      close: () => client.close(),
    };
  },
  isUnauthorized: (error) => error instanceof UnauthorizedV1,
};

export const sdkV2: McpSdk = {
  name: '@modelcontextprotocol/client (v2)',
  open(url, provider, fetchFn) {
    const client = new ClientV2({ name: 'todo-e2e', version: '1.0.0' });
    const transport = new TransportV2(new URL(url), { authProvider: provider as never, fetch: fetchFn });
    return {
      connect: () => client.connect(transport),
      callTool: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as ToolResult,
      // v2 validates `iss` against the issuer it discovered (RFC 9207 §2.4) before redeeming the code.
      finishAuth: (callback) => transport.finishAuth(callback.searchParams),
      close: () => client.close(),
    };
  },
  isUnauthorized: (error) => error instanceof UnauthorizedV2,
};
