import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  origin: string;
  /** Requests forwarded to each upstream so far, in upstream order. */
  counts: number[];
  /** Points the proxy at its upstreams (it can listen before they exist, so the issuer can name it). */
  setUpstreams(origins: string[]): void;
  /** Extra request headers for one upstream, computed per request (e.g. a test clock for process B). */
  decorate?: (upstream: number) => Record<string, string>;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

/**
 * A small load balancer on loopback: each request goes to the next upstream in turn (no stickiness, so
 * consecutive requests of one browser or client land on different instances). Keep-alive on both sides.
 * X-Forwarded-For is not added: Gatehouse trusts it only from configured proxies (src/http/client-ip.ts),
 * and every instance sees the proxy's 127.0.0.1 as the client, as behind a load balancer that does not
 * set it. Hop-by-hop headers are dropped; Host is kept, as a reverse proxy preserving Host does.
 */
export async function startRoundRobinProxy(initial: string[] = []): Promise<RoundRobinProxy> {
  let upstreams = initial.map((o) => new URL(o));
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    if (upstreams.length === 0) {
      res.writeHead(502).end('no upstream');
      return;
    }
    const index = next++ % upstreams.length;
    proxy.counts[index] = (proxy.counts[index] ?? 0) + 1;
    const target = upstreams[index]!;
    const headers = { ...req.headers, ...proxy.decorate?.(index) };
    for (const h of HOP_BY_HOP) delete headers[h];
    const options = {
      agent,
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
    };
    const upstream = request(options, (answer) => {
      const out = { ...answer.headers };
      for (const h of HOP_BY_HOP) delete out[h];
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('upstream unreachable');
      else res.destroy();
    });
    req.pipe(upstream);
  };
  const server: Server = createServer(forward);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: RoundRobinProxy = {
    origin: `http://127.0.0.1:${port}`,
    counts: upstreams.map(() => 0),
    setUpstreams(origins) {
      upstreams = origins.map((o) => new URL(o));
      proxy.counts = upstreams.map(() => 0);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
  return proxy;
}
