import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { type DemoState, demoOptions } from '../../../../src/cli/demo.js';
import { createProtectedResource, withBearerAuth } from '../../../../src/resource/index.js';
import { startHttpsServer } from '../../../helpers/https.js';
import { startServer, type TestServer } from '../../../helpers/server.js';

/**
 * What every client test runs against: Gatehouse configured exactly like the demo (`demoOptions`,
 * src/cli/demo.ts: DCR and CIMD on, sign-up open, `todo-cli`), with `cimd.allowLoopback` so that it can
 * fetch documents from this machine; a protected resource built with `gatehouse/resource` (the 401 →
 * RFC 9728 → RFC 8414 discovery and the final authorised call); and an HTTPS "client host" serving
 * client ID metadata documents and JWKS with the test CA (trusted through NODE_EXTRA_CA_CERTS, see
 * test/global-setup.ts). A CIMD client_id must be an https URL, and chatgpt.com or claude.ai cannot be
 * reached from a test, so a client's own host is simulated at https://localhost:PORT/… serving a
 * document of the same shape as the client's real one.
 */

export const SCOPES = ['todos.read', 'todos.write'];

export interface ClientHost {
  /** `https://localhost:PORT` */
  origin: string;
  /** Serves `body` as JSON at `path` (e.g. `/oauth/abc/client.json`) and returns its URL. */
  publish(path: string, body: unknown): string;
  /** How many times `path` was requested. */
  count(path: string): number;
}

export interface ClientStack {
  srv: TestServer;
  issuer: string;
  /** The protected resource's identifier (and the URL a client calls). */
  resource: string;
  user: { email: string; password: string };
  host: ClientHost;
  close(): Promise<void>;
}

export async function startClientStack(): Promise<ClientStack> {
  const resourceServer = await bindResource();
  const demo = demoOptions(DEMO_STATE, 0, '.', resourceServer.url);
  const { issuer: _i, port: _p, host: _h, database: _d, secret: _s, logger: _l, ...shape } = demo;
  const srv = await startServer({ ...shape, cimd: { ...shape.cimd, allowLoopback: true } });
  resourceServer.protect(srv.issuer);
  const documents = new Map<string, string>();
  const hits = new Map<string, number>();
  const https = await startHttpsServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = documents.get(path);
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(body);
  });
  return {
    srv,
    issuer: srv.issuer,
    resource: resourceServer.url,
    user: DEMO_STATE,
    host: {
      origin: https.origin,
      publish(path, body) {
        documents.set(path, JSON.stringify(body));
        return `${https.origin}${path}`;
      },
      count: (path) => hits.get(path) ?? 0,
    },
    async close() {
      await https.close();
      await resourceServer.close();
      await srv.close();
    },
  };
}

const DEMO_STATE: DemoState = {
  secret: 'unused: startServer supplies the secret',
  email: 'demo@example.com',
  password: 'demo-correct-horse-battery',
};

/**
 * A tiny MCP-like resource on a free port: bound first (Gatehouse's configuration names its URL),
 * protected once the issuer is known. An authorised POST answers with who the token is for.
 */
async function bindResource(): Promise<{
  url: string;
  protect(issuer: string): void;
  close(): Promise<void>;
}> {
  let handler: ((request: Request) => Promise<Response>) | undefined;
  const listener = getRequestListener((request) =>
    handler ? handler(request) : new Response('starting', { status: 503 }),
  );
  const server: Server = createServer((req, res) => void listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return {
    url,
    protect(issuer) {
      const resource = createProtectedResource({ issuer, resource: url, scopesSupported: SCOPES });
      handler = withBearerAuth(
        resource,
        (_request, token) =>
          Response.json({ sub: token.subject, client_id: token.clientId, scope: token.scopes }),
        {
          scopes: ['todos.read'],
        },
      );
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
