import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthenticatedRequest,
  protectedResourceMetadata,
  requireBearerAuth,
} from '../../src/resource/express.js';
import {
  bearerAuth,
  protectedResourceMetadata as honoMetadata,
  type ResourceVariables,
} from '../../src/resource/hono.js';
import {
  expandScopes,
  type McpScopePolicy,
  mcpRequiredScopes,
  missingScopes,
  protectMcpEndpoint,
  toAuthInfo,
} from '../../src/resource/index.js';
import type { TestServer } from '../helpers/server.js';
import {
  bearer,
  type Clock,
  claims,
  parseChallenge,
  protect,
  RESOURCE,
  signWithIssuerKey,
  startAuthorizationServer,
} from './setup.js';

const POLICY: McpScopePolicy = { tools: { list_todos: ['todos.read'], add_todo: ['todos.write'] } };
const call = (name: string) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name, arguments: {} },
});

describe('scopes', () => {
  it('expands a hierarchy transitively and survives cycles', () => {
    const hierarchy = { admin: ['write'], write: ['read'], read: ['admin'] };
    expect([...expandScopes(['write'], { write: ['read'], read: [] })].sort()).toEqual(['read', 'write']);
    expect([...expandScopes(['admin'], hierarchy)].sort()).toEqual(['admin', 'read', 'write']);
  });

  it('lists what the granted scopes do not cover, comparing scope tokens exactly', () => {
    expect(missingScopes(['todos.write'], ['todos.read'], { 'todos.write': ['todos.read'] })).toEqual([]);
    expect(missingScopes(['todos.read'], ['todos.write', 'todos.read'], {})).toEqual(['todos.write']);
    expect(missingScopes(['Todos.Read'], ['todos.read'], {})).toEqual(['todos.read']);
    expect(missingScopes([], ['toString'], {})).toEqual(['toString']);
  });

  it('reads the scopes an MCP request needs from its JSON-RPC body, batches included', () => {
    expect(mcpRequiredScopes(call('add_todo'), POLICY)).toEqual(['todos.write']);
    expect(mcpRequiredScopes([call('list_todos'), call('add_todo')], POLICY)).toEqual([
      'todos.read',
      'todos.write',
    ]);
    expect(mcpRequiredScopes({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, POLICY)).toEqual(
      [],
    );
    expect(mcpRequiredScopes(call('constructor'), POLICY)).toEqual([]);
    expect(
      mcpRequiredScopes(call('unknown'), { default: ['base'], methods: { 'tools/call': ['tools'] } }),
    ).toEqual(['base', 'tools']);
    expect(mcpRequiredScopes(undefined, { default: ['base'] })).toEqual(['base']);
  });
});

describe('framework helpers over a real Gatehouse', () => {
  let srv: TestServer & { clock: Clock };
  let readToken: string;
  let writeToken: string;
  beforeAll(async () => {
    srv = await startAuthorizationServer();
    readToken = await signWithIssuerKey(srv, claims(srv, { scope: 'todos.read' }));
    writeToken = await signWithIssuerKey(srv, claims(srv, { scope: 'todos.write' }));
  });
  afterAll(() => srv.close());

  it('gives the MCP SDK the AuthInfo its transport and tool handlers expect', async () => {
    const token = await protect(srv).verifyToken(readToken);
    const info: AuthInfo = toAuthInfo(token);
    expect(info).toMatchObject({
      token: readToken,
      clientId: 'native-app',
      scopes: ['todos.read'],
      expiresAt: token.expiresAt,
    });
    expect(info.resource?.href).toBe(RESOURCE);
    expect(info.extra).toMatchObject({ sub: 'usr_test', iss: srv.issuer, resource: RESOURCE });
  });

  describe('Express middleware', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      const rs = protect(srv);
      const app = express();
      app.use(protectedResourceMetadata(rs));
      app.use(express.json());
      // Mounted with app.use, as in docs/protecting-an-mcp-server.md, so it also answers preflights.
      app.use('/mcp', requireBearerAuth(rs, { scopes: (req) => mcpRequiredScopes(req.body, POLICY) }));
      app.post('/mcp', (req, res) => {
        const { auth, accessToken } = req as AuthenticatedRequest;
        res.json({ scopes: auth?.scopes, sub: accessToken?.subject });
      });
      server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const post = (body: unknown, token?: string) =>
      fetch(`${base}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });

    it('serves the metadata at the application root', async () => {
      const response = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { resource: string }).resource).toBe(RESOURCE);
    });

    it('answers CORS preflights of the protected path', async () => {
      const response = await fetch(`${base}/mcp`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://inspector.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'mcp-method, mcp-name, mcp-param-tenantid, x-unlisted',
        },
      });
      expect(response.status).toBe(204);
      const allowed = response.headers.get('access-control-allow-headers')!.split(', ');
      expect(allowed).toEqual(
        expect.arrayContaining(['mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-param-tenantid']),
      );
      expect(allowed).not.toContain('x-unlisted');
    });

    it('sees a token in the query string next to the header although mounted on a path (400)', async () => {
      const response = await fetch(`${base}/mcp?access_token=${readToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${readToken}` },
        body: JSON.stringify(call('list_todos')),
      });
      expect(response.status).toBe(400);
    });

    it('challenges, refuses missing scope with 403, and passes req.auth on', async () => {
      const none = await post(call('list_todos'));
      expect(none.status).toBe(401);
      expect(none.headers.get('access-control-expose-headers')).toContain('www-authenticate');
      const forbidden = await post(call('add_todo'), readToken);
      expect(forbidden.status).toBe(403);
      expect(parseChallenge(forbidden.headers.get('www-authenticate')).scope).toBe('todos.write');
      const ok = await post(call('list_todos'), writeToken);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ scopes: ['todos.write'], sub: 'usr_test' });
    });
  });

  describe('Hono middleware', () => {
    const app = () => {
      const rs = protect(srv);
      const hono = new Hono<{ Variables: ResourceVariables }>();
      hono.use(honoMetadata(rs));
      hono.use(
        '/todos/*',
        bearerAuth(rs, { scopes: (req) => (req.method === 'GET' ? ['todos.read'] : ['todos.write']) }),
      );
      hono.get('/todos/list', (c) =>
        c.json({ sub: c.get('accessToken').subject, scopes: c.get('auth').scopes }),
      );
      hono.post('/todos/add', (c) => c.json({ added: true }));
      return hono;
    };

    it('serves metadata, challenges, and hands the verified token to handlers', async () => {
      const hono = app();
      expect(
        (await hono.request('http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp')).status,
      ).toBe(200);
      const none = await hono.request('http://127.0.0.1:4100/todos/list');
      expect(none.status).toBe(401);
      expect(parseChallenge(none.headers.get('www-authenticate')).resource_metadata).toBe(
        'http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp',
      );
      const listed = await hono.request(bearer(readToken, 'http://127.0.0.1:4100/todos/list'));
      expect(await listed.json()).toEqual({ sub: 'usr_test', scopes: ['todos.read'] });
      expect(listed.headers.get('access-control-allow-origin')).toBe('*');
      const forbidden = await hono.request(
        bearer(readToken, 'http://127.0.0.1:4100/todos/add', { method: 'POST' }),
      );
      expect(forbidden.status).toBe(403);
    });

    it('answers preflights allowing the SEP-2243 headers and a requested Mcp-Param header', async () => {
      const preflight = await app().request('http://127.0.0.1:4100/todos/add', {
        method: 'OPTIONS',
        headers: {
          origin: 'https://inspector.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'mcp-method, mcp-name, mcp-param-region',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')!.split(', ')).toEqual(
        expect.arrayContaining(['mcp-method', 'mcp-name', 'mcp-param-region', 'last-event-id']),
      );
    });
  });

  describe('the MCP SDK web-standard transport behind protectMcpEndpoint', () => {
    const endpoint = () =>
      protectMcpEndpoint(protect(srv), POLICY, async (request, { authInfo, parsedBody }) => {
        const server = new McpServer({ name: 'test', version: '1.0.0' });
        server.registerTool('list_todos', {}, async (extra) => ({
          content: [{ type: 'text', text: String(extra.authInfo?.extra?.sub) }],
        }));
        server.registerTool('add_todo', {}, async () => ({ content: [{ type: 'text', text: 'added' }] }));
        const transport = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        await server.connect(transport);
        return transport.handleRequest(request, { authInfo, parsedBody });
      });
    const rpc = (body: unknown, token: string) =>
      bearer(token, RESOURCE, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify(body),
      });

    it('runs the tool with extra.authInfo when the token has the tool scope', async () => {
      const response = await endpoint()(rpc(call('list_todos'), readToken));
      expect(response.status).toBe(200);
      const body = (await response.json()) as { result: { content: { text: string }[] } };
      expect(body.result.content[0]!.text).toBe('usr_test');
    });

    it('answers HTTP 403 insufficient_scope before the tool runs, not a tool error', async () => {
      const response = await endpoint()(rpc(call('add_todo'), readToken));
      expect(response.status).toBe(403);
      expect(parseChallenge(response.headers.get('www-authenticate'))).toMatchObject({
        error: 'insufficient_scope',
        scope: 'todos.write',
      });
    });
  });
});
