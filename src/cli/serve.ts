import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { listen } from '../adapters/node.js';
import type { GatehouseOptions } from '../config/options.js';
import { createGatehouse, type Gatehouse } from '../gatehouse.js';
import { capYoungGeneration, workerExecArgv } from './young-generation.js';

/**
 * `gatehouse serve`: one process, or `--workers N` processes sharing the port through node:cluster
 * (all state is in the database, so workers need no coordination). Prints one line with the issuer
 * when ready; SIGTERM/SIGINT close the listener, finish in-flight requests and close the database.
 */
export async function serve(options: GatehouseOptions, workers = 1): Promise<void> {
  if (workers > 1 && cluster.isPrimary) {
    // Migrate and create keys once, before the workers race to do it.
    const gh = await createGatehouse({ ...options, logger: false });
    await gh.close();
    cluster.setupPrimary({ execArgv: workerExecArgv() });
    for (let i = 0; i < workers; i++) cluster.fork();
    let ready = 0;
    cluster.on('message', (_worker, message: { gatehouse?: string }) => {
      if (message?.gatehouse === 'ready' && ++ready === workers) {
        console.log(`Gatehouse ready: ${options.issuer} (${workers} workers)`);
      }
    });
    const stop = () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  if (cluster.isPrimary) capYoungGeneration();
  const gh = await createGatehouse(options);
  const { server } = await listen(gh, { port: gh.config.port, host: gh.config.host });
  installShutdown(gh, server);
  if (cluster.isWorker) process.send?.({ gatehouse: 'ready' });
  else console.log(`Gatehouse ready: ${gh.config.issuer} (listening on ${gh.config.host}:${gh.config.port})`);
}

export function installShutdown(gh: Gatehouse, server: Server, onStop?: () => Promise<void>): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 5000);
    force.unref();
    await new Promise<void>((resolve) => server.once('close', () => resolve()));
    await onStop?.();
    await gh.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
