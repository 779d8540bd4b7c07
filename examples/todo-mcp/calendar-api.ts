import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthenticatedRequest, requireBearerAuth } from '../../src/resource/express.js';
import { createProtectedResource, type ProtectedResource } from '../../src/resource/index.js';

/**
 * A second protected API for the Todo example's on-behalf-of tool (docs/enterprise.md "Token
 * exchange"): `GET /v1/events` lists the signed-in user's calendar. It accepts only tokens whose
 * audience is its own resource identifier (`gatehouse/resource` checks `aud`), so the Todo MCP
 * server's token is useless here: the MCP server exchanges it at Gatehouse (RFC 8693) for one for
 * this API, and this API sees the user as `sub` and the MCP server as `act.sub`.
 */

export const CALENDAR_SCOPES = ['calendar.read'];

export interface CalendarEvent {
  title: string;
  start: string;
}

export interface CalendarApi {
  /** The resource identifier, also the base URL: `http://{host}:{port}/v1`. */
  resource: string;
  protectedResource: ProtectedResource;
  /** Who called, as this API saw them (for the demo and tests). */
  calls: { sub: string; actor: string | undefined; clientId: string }[];
  close(): Promise<void>;
}

/** Every user's calendar is the same two events here: the point is who may read it. */
function eventsFor(sub: string): CalendarEvent[] {
  const day = new Date(Date.UTC(2030, 0, 7)).toISOString().slice(0, 10);
  return [
    { title: `Stand-up (${sub.slice(0, 12)})`, start: `${day}T09:30:00Z` },
    { title: 'Plan the week', start: `${day}T14:00:00Z` },
  ];
}

export async function createCalendarApi(options: {
  issuer: string;
  port?: number;
  host?: string;
  clock?: () => number;
  fetch?: typeof fetch;
}): Promise<CalendarApi> {
  const host = options.host ?? '127.0.0.1';
  let handle: (req: AuthenticatedRequest, res: import('node:http').ServerResponse) => void = (_req, res) =>
    void res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const resource = `http://${host}:${port}/v1`;
  const protectedResource = createProtectedResource({
    issuer: options.issuer,
    resource,
    resourceName: 'Calendar API',
    scopesSupported: CALENDAR_SCOPES,
    clock: options.clock,
    fetch: options.fetch,
  });
  const authenticate = requireBearerAuth(protectedResource, { scopes: ['calendar.read'] });
  const calls: CalendarApi['calls'] = [];
  handle = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/v1/events' || req.method !== 'GET') return void res.writeHead(404).end();
    authenticate(req, res, (error) => {
      if (error) return void res.writeHead(500).end();
      const token = req.accessToken!;
      const act = token.claims.act as { sub?: unknown } | undefined;
      const actor = typeof act?.sub === 'string' ? act.sub : undefined;
      calls.push({ sub: token.subject, actor, clientId: token.clientId });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sub: token.subject, actor, events: eventsFor(token.subject) }));
    });
  };
  return {
    resource,
    protectedResource,
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
