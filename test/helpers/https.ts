import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', '..', '.tmp', 'test-ca');

/** An HTTPS server on 127.0.0.1 with the test CA's localhost certificate (see test/global-setup.ts). */
export async function startHttpsServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ origin: string; port: number; connections: () => number; close(): Promise<void> }> {
  const server = createServer(
    { key: readFileSync(join(dir, 'localhost-key.pem')), cert: readFileSync(join(dir, 'localhost.pem')) },
    handler,
  );
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    port,
    connections: () => connections,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
