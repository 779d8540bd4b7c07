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
    server.once('error', (error) => reject(listenFailure(error, 'Gatehouse', options.host, options.port)));
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}` };
}

/**
 * Why `server` could not listen on host:port, in words that say which server, which port and what to
 * do (the raw errors are `listen EADDRINUSE …`, or `bind EADDRINUSE …` in a cluster worker).
 */
export function listenFailure(error: Error, server: string, host: string, port: number): Error {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EADDRINUSE'
      ? 'the port is in use by another process (another Gatehouse, or the demo?). Stop that process, or choose another port'
      : code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges). Choose a port above 1023'
        : code === 'EADDRNOTAVAIL'
          ? "the address is not one of this machine's. Check `host`"
          : undefined;
  if (!reason) return error;
  return new Error(`${server} cannot listen on ${where}: ${reason}.`, { cause: error });
}
