import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Exchange, REDIRECT_URL, recordingFetch, TodoCliProvider } from './clients.js';
import type { McpSdk, McpSession } from './sdks.js';
import { ACCESS_TOKEN_TTL, type Stack, startStack } from './stack.js';
import { authorizeManually } from './tokens.js';

/**
 * The MCP client handshake (checklist §3, MCP Authorization 2025-11-25 / 2026-07-28) replayed by a
 * real SDK against Gatehouse and the Todo MCP server, asserting each step on the wire.
 */

const line = (e: Exchange) => `${e.method} ${e.url} → ${e.status}`;

/** Connects, driving the authorization through the browser if the SDK asks for it. */
async function connectAuthorized(
  sdk: McpSdk,
  session: () => McpSession,
  provider: TodoCliProvider,
): Promise<McpSession> {
  const first = session();
  const outcome = await first.connect().then(
    () => 'connected' as const,
    (error: unknown) => {
      if (!sdk.isUnauthorized(error)) throw error;
      return 'redirected' as const;
    },
  );
  if (outcome === 'connected') return first;
  await first.finishAuth(provider.lastCallback);
  const second = session();
  await second.connect();
  return second;
}

/** Runs `call`; if the SDK stops for a (step-up) authorization, finishes it and runs `call` again. */
async function withReauthorization<T>(
  sdk: McpSdk,
  session: McpSession,
  provider: TodoCliProvider,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!sdk.isUnauthorized(error)) throw error;
    await session.finishAuth(provider.lastCallback);
    return call();
  }
}

export function describeMcpClient(sdk: McpSdk): void {
  describe(`${sdk.name} against Gatehouse and the Todo MCP server`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack();
    });
    afterAll(() => stack?.close());

    it('completes 401 → RFC 9728 → RFC 8414 → preregistered client → authorization → token → tools/call, then refreshes and calls again', async () => {
      const provider = new TodoCliProvider(stack.issuer);
      const { fetch, log } = recordingFetch();
      const mcp = await connectAuthorized(sdk, () => sdk.open(stack.mcpUrl, provider, fetch), provider);
      const metadataUrl = stack.todo.resource.metadataUrl;

      // 0. No token: 401 with resource_metadata and scope, and no error code (RFC 6750 §3.1, RFC 9728 §5.1).
      expect(line(log[0]!)).toBe(`POST ${stack.mcpUrl} → 401`);
      expect(log[0]!.wwwAuthenticate).toBe(
        `Bearer resource_metadata="${metadataUrl}", scope="todos.read todos.write"`,
      );
      // 1. RFC 9728: exactly the URL of the challenge.
      expect(line(log[1]!)).toBe(`GET ${metadataUrl} → 200`);
      // 2. RFC 8414: the issuer's metadata, path-inserted (the issuer has no path).
      expect(line(log[2]!)).toBe(`GET ${stack.issuer}/.well-known/oauth-authorization-server → 200`);
      // 3-4. The preregistered client, PKCE S256, the resource and the challenged scope.
      expect(provider.authorizations).toHaveLength(1);
      const { url: authorizationUrl, callback } = provider.authorizations[0]!;
      expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${stack.issuer}/authorize`);
      expect(Object.fromEntries(authorizationUrl.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: 'todo-cli',
        redirect_uri: REDIRECT_URL,
        code_challenge_method: 'S256',
        scope: 'todos.read todos.write',
        resource: stack.mcpUrl,
      });
      expect(callback.origin + callback.pathname).toBe(REDIRECT_URL);
      expect(callback.searchParams.get('iss')).toBe(stack.issuer);
      // 5. The code exchange names the resource again (RFC 8707 §2.2).
      const codeExchange = log.find((e) => e.form?.get('grant_type') === 'authorization_code')!;
      expect(line(codeExchange)).toBe(`POST ${stack.issuer}/token → 200`);
      expect(codeExchange.form!.get('resource')).toBe(stack.mcpUrl);
      expect(codeExchange.form!.get('client_id')).toBe('todo-cli');
      const first = provider.tokens()!;
      expect(decodeJwt(first.access_token)).toMatchObject({
        iss: stack.issuer,
        aud: stack.mcpUrl,
        client_id: 'todo-cli',
      });

      // 6. The tool call succeeds with the token.
      const added = await mcp.callTool('add_todo', { title: 'Buy milk' });
      expect(added.isError).toBeFalsy();
      expect(added.structuredContent).toMatchObject({ todo: { title: 'Buy milk', done: false } });

      // 8. The access token expires; the server says invalid_token; the client refreshes and calls again.
      stack.clock.advance(ACCESS_TOKEN_TTL + 31);
      const before = log.length;
      const listed = await mcp.callTool('list_todos');
      expect(listed.structuredContent).toMatchObject({ todos: [{ title: 'Buy milk' }] });
      const after = log.slice(before);
      const expired = after.find((e) => e.status === 401)!;
      expect(expired.wwwAuthenticate).toMatch(
        /^Bearer error="invalid_token", error_description="The access token has expired\.", resource_metadata="/,
      );
      const refresh = after.find((e) => e.form?.get('grant_type') === 'refresh_token')!;
      expect(line(refresh)).toBe(`POST ${stack.issuer}/token → 200`);
      expect(refresh.form!.get('resource')).toBe(stack.mcpUrl);
      expect(refresh.form!.get('refresh_token')).toBe(first.refresh_token);
      const second = provider.tokens()!;
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(line(after.at(-1)!)).toBe(`POST ${stack.mcpUrl} → 200`);
      await mcp.close();
    });

    it('steps up a todos.read token that gets 403 insufficient_scope on add_todo, then adds the todo', async () => {
      // A read-only grant from an earlier session.
      const readOnly = await authorizeManually(stack.issuer, { resource: stack.mcpUrl, scope: 'todos.read' });
      expect(readOnly.scope).toBe('todos.read');
      const provider = new TodoCliProvider(stack.issuer);
      provider.saveTokens({ ...readOnly, issuer: stack.issuer });
      const { fetch, log } = recordingFetch();
      const mcp = sdk.open(stack.mcpUrl, provider, fetch);
      await mcp.connect();
      expect(provider.authorizations).toHaveLength(0);
      expect((await mcp.callTool('list_todos')).isError).toBeFalsy();

      const added = await withReauthorization(sdk, mcp, provider, () =>
        mcp.callTool('add_todo', { title: 'Water the plants' }),
      );
      expect(added.structuredContent).toMatchObject({ todo: { title: 'Water the plants' } });

      const challenge = log.find((e) => e.status === 403)!;
      expect(challenge.wwwAuthenticate).toBe(
        `Bearer error="insufficient_scope", error_description="The access token does not carry the scope this operation needs.", ` +
          `resource_metadata="${stack.todo.resource.metadataUrl}", scope="todos.write"`,
      );
      expect(provider.authorizations).toHaveLength(1);
      const asked = provider.authorizations[0]!.url.searchParams;
      expect(asked.get('scope')!.split(' ')).toContain('todos.write');
      expect(asked.get('resource')).toBe(stack.mcpUrl);
      expect(provider.tokens()!.scope!.split(' ')).toContain('todos.write');
      await mcp.close();
    });
  });
}
