import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTodoServer, type TodoServer } from '../../../examples/todo-mcp/index.js';
import { createProtectedResource, protectMcpEndpoint } from '../../../src/resource/index.js';
import { closeBrowser, launchBrowser, newBrowserContext } from '../../helpers/browser.js';
import { baseOptions, MACHINE_SECRET, RESOURCE } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';

/**
 * A browser MCP client, for real: a page on one loopback origin (http://localhost:P) calls Gatehouse
 * and a gatehouse/resource-protected MCP endpoint on another (http://127.0.0.1:Q) with the headers the
 * MCP Streamable HTTP transport sends (MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID; SEP-2243
 * Mcp-Method, Mcp-Name, Mcp-Param-*), so Chromium preflights every call, and reads WWW-Authenticate
 * and Mcp-Session-Id back. A preflight that did not allow a header, or a header not exposed, shows
 * inside the page: fetch rejects, or the header reads as null.
 */

const MCP_HEADERS = {
  'MCP-Protocol-Version': '2026-07-28',
  'Mcp-Session-Id': 'session-from-initialize',
  'Mcp-Method': 'tools/call',
  'Mcp-Name': 'list_todos',
  'Last-Event-ID': 'event-41',
};

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** The MCP endpoint: answers an authorised call with a session id and the MCP headers it received. */
function mcpEndpoint(issuer: string) {
  const resource = createProtectedResource({
    issuer,
    resource: RESOURCE,
    scopesSupported: ['todos.read', 'todos.write'],
  });
  return protectMcpEndpoint(resource, { default: ['todos.read'] }, async (request) => {
    const seen = Object.fromEntries(
      [...Object.keys(MCP_HEADERS), 'Mcp-Param-Region'].map((name) => [name, request.headers.get(name)]),
    );
    return Response.json(
      { jsonrpc: '2.0', id: 1, result: { seen } },
      { headers: { 'mcp-session-id': 'session-2' } },
    );
  });
}

/** A client_credentials token of `machine` for RESOURCE with todos.read, from Node (not the page). */
async function machineToken(issuer: string): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE, scope: 'todos.read' }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Runs in the page (a different origin): every cross-origin call a browser MCP client makes. */
async function callEverything(input: {
  issuer: string;
  mcp: string;
  headers: Record<string, string>;
  basic: string;
}): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const attempt = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      out[name] = `blocked: ${String(error)}`;
    }
  };
  const { issuer, mcp, headers } = input;
  const origin = new URL(issuer).origin;
  await attempt('metadata', async () => {
    const r = await fetch(`${origin}/.well-known/oauth-authorization-server`, { headers });
    out.metadata = { status: r.status, issuer: ((await r.json()) as { issuer: string }).issuer };
  });
  await attempt('register', async () => {
    const r = await fetch(`${issuer}/register`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Browser client', redirect_uris: [`${location.origin}/cb`] }),
    });
    out.register = { status: r.status, client_id: ((await r.json()) as { client_id: string }).client_id };
  });
  let token = '';
  await attempt('token', async () => {
    const r = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { ...headers, authorization: input.basic },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'http://127.0.0.1:4100/mcp' }),
    });
    token = ((await r.json()) as { access_token: string }).access_token;
    out.token = { status: r.status, hasToken: typeof token === 'string' && token.length > 0 };
  });
  await attempt('tokenRefused', async () => {
    const r = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { ...headers, authorization: `Basic ${btoa('machine:wrong')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    out.tokenRefused = { status: r.status, challenge: r.headers.get('www-authenticate') };
  });
  await attempt('mcpUnauthorized', async () => {
    const r = await fetch(mcp, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_todos"}}',
    });
    out.mcpUnauthorized = { status: r.status, challenge: r.headers.get('www-authenticate') };
  });
  await attempt('mcp', async () => {
    const r = await fetch(mcp, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'Mcp-Param-Region': 'us-west1',
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_todos"}}',
    });
    const body = (await r.json()) as { result: { seen: Record<string, string> } };
    out.mcp = { status: r.status, session: r.headers.get('mcp-session-id'), seen: body.result.seen };
  });
  // The control: a header no preflight allows is blocked, so the successes above are the browser's word.
  await attempt('controlToken', async () => {
    await fetch(`${issuer}/token`, { method: 'POST', headers: { 'x-unlisted': '1' } });
    out.controlToken = 'not blocked';
  });
  await attempt('controlMcp', async () => {
    await fetch(mcp, { method: 'POST', headers: { 'x-unlisted': '1' } });
    out.controlMcp = 'not blocked';
  });
  return out;
}

describe('browser MCP clients across origins, in Chromium', () => {
  let browser: Browser;
  let srv: TestServer;
  let resource: { server: Server; port: number };
  let site: { server: Server; port: number };
  let resourcePreflights = 0;
  let todo: TodoServer;
  let todoPort = 0;

  beforeAll(async () => {
    [browser, srv] = await Promise.all([
      launchBrowser(),
      startServer({ ...baseOptions(), dcr: { enabled: true } }),
    ]);
    const free = await listen(() => {});
    todoPort = free.port;
    await new Promise((resolve) => free.server.close(resolve));
    todo = await createTodoServer({
      issuer: srv.issuer,
      resource: RESOURCE,
      databasePath: ':memory:',
      port: todoPort,
    });
    const listener = getRequestListener(mcpEndpoint(srv.issuer));
    resource = await listen((req, res) => {
      if (req.method === 'OPTIONS') resourcePreflights++;
      void listener(req, res);
    });
    site = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html lang="en"><title>Browser MCP client</title><main>client</main></html>');
    });
  });
  afterAll(async () => {
    await closeBrowser(browser);
    await srv?.close();
    await todo?.close();
    for (const s of [resource?.server, site?.server]) s?.closeAllConnections();
    for (const s of [resource?.server, site?.server]) s?.close();
  });

  it('calls metadata, /register, /token and the MCP endpoint with every MCP header, and reads WWW-Authenticate and Mcp-Session-Id', async () => {
    const context = await newBrowserContext(browser);
    const page: Page = await context.newPage();
    try {
      await page.goto(`http://localhost:${site.port}/`);
      const mcp = `http://127.0.0.1:${resource.port}/mcp`;
      expect(new URL(page.url()).origin).not.toBe(new URL(srv.issuer).origin);
      const out = await page.evaluate(callEverything, {
        issuer: srv.issuer,
        mcp,
        headers: MCP_HEADERS,
        basic: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`,
      });
      expect(out.metadata).toEqual({ status: 200, issuer: srv.issuer });
      expect(out.register).toMatchObject({ status: 201, client_id: expect.any(String) });
      expect(out.token).toEqual({ status: 200, hasToken: true });
      expect(out.tokenRefused).toEqual({ status: 401, challenge: expect.stringMatching(/^Basic /) });
      expect(out.mcpUnauthorized).toEqual({
        status: 401,
        challenge: expect.stringContaining('resource_metadata='),
      });
      expect(out.mcp).toEqual({
        status: 200,
        session: 'session-2',
        seen: { ...MCP_HEADERS, 'Mcp-Param-Region': 'us-west1' },
      });
      expect(out.controlToken).toMatch(/^blocked: TypeError/);
      expect(out.controlMcp).toMatch(/^blocked: TypeError/);
      // The MCP calls really were preflighted (cross-origin, non-safelisted headers).
      expect(resourcePreflights).toBeGreaterThanOrEqual(2);
    } finally {
      await context.close();
    }
  });
  it('calls the Todo MCP server of the demo (MCP SDK transport behind the Express helper) from another origin', async () => {
    const context = await newBrowserContext(browser);
    const page: Page = await context.newPage();
    try {
      await page.goto(`http://localhost:${site.port}/`);
      const out = await page.evaluate(
        async ({ mcp, token }) => {
          const call = async (authorization?: string) => {
            try {
              const r = await fetch(mcp, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  accept: 'application/json, text/event-stream',
                  'MCP-Protocol-Version': '2025-06-18',
                  'Mcp-Method': 'tools/call',
                  'Mcp-Name': 'list_todos',
                  ...(authorization ? { authorization } : {}),
                },
                body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_todos","arguments":{}}}',
              });
              const text = await r.text();
              return {
                status: r.status,
                challenge: r.headers.get('www-authenticate'),
                isResult: text.includes('"result"'),
              };
            } catch (error) {
              return `blocked: ${String(error)}`;
            }
          };
          return { anonymous: await call(), authorised: await call(`Bearer ${token}`) };
        },
        { mcp: `http://127.0.0.1:${todoPort}/mcp`, token: await machineToken(srv.issuer) },
      );
      expect(out.anonymous).toMatchObject({
        status: 401,
        challenge: expect.stringContaining('resource_metadata='),
      });
      expect(out.authorised).toMatchObject({ status: 200, isResult: true });
    } finally {
      await context.close();
    }
  });
});
