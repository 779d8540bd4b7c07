import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net';
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

/** Timeouts against slow clients, in milliseconds (config `server.*`, docs/operations.md "Timeouts"). */
export interface ServerTimeouts {
  /** The request's headers must have arrived within this; then 408 and the connection is closed. */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must have arrived within this; then 408 and closed. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (announced as `Keep-Alive: timeout=`). */
  keepAliveTimeoutMs: number;
}

/**
 * Applies `timeouts` to a node:http server (call before `listen`). node:http checks the headers and
 * request timeouts on an interval (30 s by default), so a slow client could hold a connection that
 * much longer than configured: the interval is made a quarter of the shorter timeout, at most 1 s.
 */
export function applyTimeouts(server: Server, timeouts: ServerTimeouts): void {
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  const shortest = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs);
  // Read by node:http when the server starts listening (the option of createServer of the same name).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    50,
    Math.min(1000, Math.floor(shortest / 4)),
  );
}

/** What a drain ended with. */
export interface DrainResult {
  /** Connections closed at the deadline while a request on them was still in progress. */
  cutRequests: number;
  /** Idle connections closed at the deadline. */
  closedIdle: number;
}

export interface Drainable {
  /** Requests received and not yet answered. */
  inFlight(): number;
  /**
   * Stops accepting connections and lets the open ones finish: every response not yet begun, and
   * every request that arrives on an open connection, is answered with `Connection: close`, and its
   * connection closes once that response is sent. At `timeoutMs` the connections still open are closed.
   */
  drain(timeoutMs: number): Promise<DrainResult>;
}

/**
 * Graceful shutdown for a node:http server (Gatehouse's own, or Express's or Hono's): call before the
 * server accepts connections, and `drain` on SIGTERM.
 *
 * A connection that is idle when the drain begins is not closed then: its client may have sent a request
 * that has not been read yet, and closing would lose it (RFC 9112 §9.6: only a response can tell a
 * client that the connection closes). A request that arrives on it is answered with `Connection:
 * close`; otherwise it closes when its keep-alive time runs out, which the client was told and honours.
 */
export function drainable(server: Server): Drainable {
  // Open connections → their responses in progress, oldest first (more than one when pipelined).
  const connections = new Map<Socket, ServerResponse[]>();
  const closeMarked = new WeakSet<ServerResponse>();
  let draining = false;
  let allClosed: (() => void) | undefined;
  const track = (socket: Socket) => {
    const list: ServerResponse[] = [];
    connections.set(socket, list);
    socket.once('close', () => {
      connections.delete(socket);
      if (connections.size === 0) allClosed?.();
    });
    return list;
  };
  // Only the last response on a connection says close: pipelined requests before it are answered first.
  const markLast = (list: ServerResponse[]) => {
    list.forEach((res, i) => {
      if (res.headersSent) return;
      if (i === list.length - 1) {
        res.setHeader('connection', 'close');
        closeMarked.add(res);
      } else if (closeMarked.delete(res)) res.removeHeader('connection');
    });
  };
  server.on('connection', (socket: Socket) => {
    if (!connections.has(socket)) track(socket);
  });
  // One shared listener rather than a closure and a once-wrapper per request (every request comes here);
  // 'close' is emitted once per response. `res.req.socket` stays set after the response detaches.
  function forget(this: ServerResponse) {
    const list = connections.get(this.req.socket);
    const at = list === undefined ? -1 : list.indexOf(this);
    if (at >= 0) list!.splice(at, 1);
  }
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const list = connections.get(req.socket) ?? track(req.socket);
    list.push(res);
    res.on('close', forget);
    if (draining) markLast(list);
  });
  return {
    inFlight: () => [...connections.values()].reduce((n, list) => n + list.length, 0),
    async drain(timeoutMs) {
      if (!draining) {
        draining = true;
        // net's close, not http's: http.Server#close also closes the idle connections (see above).
        if (server.listening) NetServer.prototype.close.call(server);
        for (const list of connections.values()) markLast(list);
      }
      if (connections.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          allClosed = resolve;
          timer = setTimeout(resolve, timeoutMs);
        });
        clearTimeout(timer);
      }
      const result: DrainResult = { cutRequests: 0, closedIdle: 0 };
      for (const [socket, list] of connections) {
        if (list.length > 0) result.cutRequests += 1;
        else result.closedIdle += 1;
        socket.destroy();
      }
      return result;
    },
  };
}

/** A listening Gatehouse server (`listen`). */
export interface Listening extends Drainable {
  server: Server;
  url: string;
}

/**
 * Starts a node:http server for Gatehouse alone; resolves once it is listening. It applies the
 * configured timeouts (`server.headersTimeout`, `requestTimeout`, `keepAliveTimeout`) and can `drain`.
 */
export async function listen(gh: Gatehouse, options: { port: number; host: string }): Promise<Listening> {
  const server = createServer(toNodeListener(gh));
  applyTimeouts(server, gh.config.server);
  const drain = drainable(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenFailure(error, 'Gatehouse', options.host, options.port)));
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}`, ...drain };
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
