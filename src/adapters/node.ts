import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Gatehouse } from '../gatehouse.js';

/**
 * node:http adapter: a request listener that hands every request to `gh.fetch`. Requests for paths
 * Gatehouse does not serve go to `fallback` (or get a 404).
 */
export function toNodeListener(
  gh: Gatehouse,
  fallback?: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const listener = getRequestListener((request, env) =>
    gh.fetch(request, { remoteAddress: env.incoming.socket.remoteAddress ?? null }),
  );
  return (req, res) => {
    if (fallback && !gh.handles(new URL(req.url ?? '/', 'http://x').pathname)) return fallback(req, res);
    void listener(req, res);
  };
}

/** Starts a node:http server for Gatehouse alone; resolves once it is listening. */
export async function listen(
  gh: Gatehouse,
  options: { port: number; host: string },
): Promise<{ server: Server; url: string }> {
  const server = createServer(toNodeListener(gh));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}` };
}
