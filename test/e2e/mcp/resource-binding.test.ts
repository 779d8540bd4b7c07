import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useChromium } from './helpers/browser.js';
import { recordingFetch, TodoCliProvider } from './helpers/clients.js';
import { sdkV2 } from './helpers/sdks.js';
import { INTROSPECTOR, OTHER_RESOURCE, type Stack, startStack } from './helpers/stack.js';
import { authorizeManually, callToolRaw } from './helpers/tokens.js';

const challengeOf = (response: Response) => response.headers.get('www-authenticate') ?? '';

useChromium();

describe('the Todo MCP server accepts only tokens bound to it', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('refuses a valid token issued for another resource with 401 invalid_token', async () => {
    const other = await authorizeManually(stack, {
      resource: OTHER_RESOURCE,
      scope: 'todos.read todos.write',
    });
    const response = await callToolRaw(stack.mcpUrl, other.access_token, 'list_todos');
    expect(response.status).toBe(401);
    expect(challengeOf(response)).toContain(
      'error="invalid_token", error_description="The access token was not issued for this resource."',
    );
    expect(challengeOf(response)).toContain(`resource_metadata="${stack.todo.resource.metadataUrl}"`);
  });

  it('sends a client holding a token for another resource back through authorization for this one', async () => {
    const other = await authorizeManually(stack, { resource: OTHER_RESOURCE, scope: 'todos.read' });
    const provider = new TodoCliProvider(stack);
    provider.saveTokens({
      access_token: other.access_token,
      token_type: 'Bearer',
      scope: other.scope,
      issuer: stack.issuer,
    });
    const { fetch } = recordingFetch();
    const first = sdkV2.open(stack.mcpUrl, provider, fetch);
    await expect(first.connect()).rejects.toSatisfy(sdkV2.isUnauthorized);
    expect(provider.authorizations[0]!.url.searchParams.get('resource')).toBe(stack.mcpUrl);
    await first.finishAuth(provider.lastCallback);
    const second = sdkV2.open(stack.mcpUrl, provider, fetch);
    await second.connect();
    expect((await second.callTool('list_todos')).isError).toBeFalsy();
    await second.close();
  });

  it("keeps each subject's todos apart: todos are stored per sub", async () => {
    const tokens = await authorizeManually(stack, {
      resource: stack.mcpUrl,
      scope: 'todos.read todos.write',
    });
    const added = await callToolRaw(stack.mcpUrl, tokens.access_token, 'add_todo', { title: 'Mine' });
    expect(added.status).toBe(200);
    const machine = await fetch(`${stack.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa(`${INTROSPECTOR.clientId}:${INTROSPECTOR.clientSecret}`)}`,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: stack.mcpUrl,
        scope: 'todos.read',
      }),
    });
    expect(machine.status).toBe(200);
    const { access_token } = (await machine.json()) as { access_token: string };
    const listed = (await (await callToolRaw(stack.mcpUrl, access_token, 'list_todos')).json()) as {
      result: { structuredContent: { todos: unknown[] } };
    };
    expect(listed.result.structuredContent.todos).toEqual([]);
  });
});

describe('the Todo MCP server over HTTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('serves its RFC 9728 metadata at the path-inserted location and the root fallback', async () => {
    const origin = new URL(stack.mcpUrl).origin;
    const doc = await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(doc).toEqual({
      resource: stack.mcpUrl,
      authorization_servers: [stack.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['todos.read', 'todos.write'],
      resource_name: 'Todo MCP',
    });
    const root = (await (await fetch(`${origin}/.well-known/oauth-protected-resource`)).json()) as {
      resource: string;
    };
    expect(root.resource).toBe(origin);
  });

  it('authorizes every request, whatever its method, and answers browser preflights', async () => {
    expect((await fetch(stack.mcpUrl)).status).toBe(401);
    const tokens = await authorizeManually(stack, { resource: stack.mcpUrl, scope: 'todos.read' });
    const get = await fetch(stack.mcpUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(get.status).toBe(405);
    const preflight = await fetch(stack.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://inspector.test' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-expose-headers')).toContain('www-authenticate');
    const ok = await callToolRaw(stack.mcpUrl, tokens.access_token, 'list_todos');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('the Todo MCP server in introspection mode', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ introspection: true });
  });
  afterAll(() => stack?.close());

  it('refuses a token as soon as its grant is revoked', async () => {
    const tokens = await authorizeManually(stack, { resource: stack.mcpUrl, scope: 'todos.read' });
    expect((await callToolRaw(stack.mcpUrl, tokens.access_token, 'list_todos')).status).toBe(200);
    await fetch(`${stack.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token!, client_id: 'todo-cli' }),
    });
    const refused = await callToolRaw(stack.mcpUrl, tokens.access_token, 'list_todos');
    expect(refused.status).toBe(401);
    expect(challengeOf(refused)).toContain('error="invalid_token"');
  });
});
