import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DPOP_ALGORITHMS } from '../../../../src/resource/dpop.js';
import { type Exchange, recordingFetch, TodoCliProvider } from './clients.js';
import type { McpSdk, McpSession } from './sdks.js';
import { type Stack, startDemoStack } from './stack.js';
import { authorizeManually } from './tokens.js';

/**
 * The MCP client handshake (checklist §3, MCP Authorization 2025-11-25 / 2026-07-28) replayed by a
 * real SDK against the demo's Gatehouse and Todo MCP server, the user approving in real Chromium,
 * asserting each step on the wire. The test file must call `useChromium()`.
 */

const line = (e: Exchange) => `${e.method} ${e.url} → ${e.status}`;

/** Connects, driving the authorization through the browser if the SDK asks for it. */
export async function connectAuthorized(
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
export async function withReauthorization<T>(
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
  describe(`${sdk.name} against the demo (Gatehouse and the Todo MCP server)`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startDemoStack();
    });
    afterAll(() => stack?.close());

    it('completes 401 → RFC 9728 → RFC 8414 → preregistered client → sign-in and Allow in Chromium → token → tools/call, then refreshes and calls again', async () => {
      const consent: Record<string, string | null> = {};
      const provider = new TodoCliProvider(stack, {
        onPage: async (step, page) => {
          if (step !== 'consent') return;
          consent.client = await page.locator('#client-name').textContent();
          consent.redirectHost = await page.locator('#redirect-host').textContent();
          consent.resource = await page.locator('#resource-name').textContent();
        },
      });
      const { fetch, log } = recordingFetch();
      const mcp = await connectAuthorized(sdk, () => sdk.open(stack.mcpUrl, provider, fetch), provider);
      const metadataUrl = stack.todo.resource.metadataUrl;
      const redirectUri = stack.callback.redirectUri;

      // 0. No token: 401 with resource_metadata and scope, and no error code (RFC 6750 §3.1, RFC 9728 §5.1).
      expect(line(log[0]!)).toBe(`POST ${stack.mcpUrl} → 401`);
      expect(log[0]!.wwwAuthenticate).toBe(
        `Bearer resource_metadata="${metadataUrl}", scope="todos.read todos.write", ` +
          // RFC 9449 §7.1: DPoP offered alongside Bearer.
          `DPoP algs="${DPOP_ALGORITHMS.join(' ')}", resource_metadata="${metadataUrl}"`,
      );
      // 1. RFC 9728: exactly the URL of the challenge.
      expect(line(log[1]!)).toBe(`GET ${metadataUrl} → 200`);
      // 2. RFC 8414: the issuer's metadata, path-inserted (the issuer has no path).
      expect(line(log[2]!)).toBe(`GET ${stack.issuer}/.well-known/oauth-authorization-server → 200`);
      // 3. The preregistered client: nothing registered (the demo has DCR on, the SDK must not use it).
      expect(log.filter((e) => e.url.startsWith(`${stack.issuer}/register`))).toEqual([]);
      // 4. The authorization request: PKCE S256, the resource and the challenged scope.
      expect(provider.authorizations).toHaveLength(1);
      const { url: authorizationUrl, callback, steps } = provider.authorizations[0]!;
      expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${stack.issuer}/authorize`);
      expect(Object.fromEntries(authorizationUrl.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: 'todo-cli',
        redirect_uri: redirectUri,
        code_challenge_method: 'S256',
        resource: stack.mcpUrl,
      });
      // The challenged scope; an SDK implementing MCP SEP-2207 (v2) appends offline_access, which the
      // metadata lists and Gatehouse accepts and drops (docs/configuration.md "Scopes every client may send").
      expect(authorizationUrl.searchParams.get('scope')).toMatch(
        /^todos\.read todos\.write( offline_access)?$/,
      );
      // In Chromium: the demo user signed in, then the consent page named the client, where the
      // browser goes back to, and the resource; Allow sent the code to the application's listener.
      expect(steps).toEqual(['sign-in', 'consent']);
      expect(consent).toEqual({
        client: 'Todo CLI',
        redirectHost: new URL(redirectUri).host,
        resource: 'Todo MCP',
      });
      expect(callback.origin + callback.pathname).toBe(redirectUri);
      expect(callback.searchParams.get('iss')).toBe(stack.issuer);
      expect(callback.searchParams.get('code')).toBeTruthy();
      // 5. The code exchange names the resource again (RFC 8707 §2.2).
      const codeExchange = log.find((e) => e.form?.get('grant_type') === 'authorization_code')!;
      expect(line(codeExchange)).toBe(`POST ${stack.issuer}/token → 200`);
      expect(codeExchange.form!.get('resource')).toBe(stack.mcpUrl);
      expect(codeExchange.form!.get('client_id')).toBe('todo-cli');
      expect(codeExchange.form!.get('code')).toBe(callback.searchParams.get('code'));
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

      // 7. The access token expires; the server says invalid_token; the client refreshes and calls again.
      stack.clock.advance(stack.accessTokenTtl + 31);
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
      // No second trip through the browser: the refresh alone did it.
      expect(provider.authorizations).toHaveLength(1);
      await mcp.close();
    });

    it('steps up a todos.read token that gets 403 insufficient_scope on add_todo, then adds the todo', async () => {
      // A read-only grant from an earlier session.
      const readOnly = await authorizeManually(stack, { resource: stack.mcpUrl, scope: 'todos.read' });
      expect(readOnly.scope).toBe('todos.read');
      const provider = new TodoCliProvider(stack);
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
      // The same browser: still signed in from the read-only grant, so no second sign-in.
      expect(provider.authorizations[0]!.steps).not.toContain('sign-in');
      expect(provider.tokens()!.scope!.split(' ')).toContain('todos.write');
      await mcp.close();
    });
  });
}
