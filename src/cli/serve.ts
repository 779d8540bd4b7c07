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
  if (workers > 1 && cluster.isPrimary) return servePrimary(options, workers);
  try {
    if (cluster.isPrimary) capYoungGeneration();
    const gh = await createGatehouse(options);
    const { server } = await listen(gh, { port: gh.config.port, host: gh.config.host });
    installShutdown(gh, server);
    if (cluster.isWorker) process.send?.({ gatehouse: 'ready' });
    else
      console.log(`Gatehouse ready: ${gh.config.issuer} (listening on ${gh.config.host}:${gh.config.port})`);
  } catch (error) {
    if (!cluster.isWorker) throw error;
    // A worker reports to the primary, which prints the first failure once and exits non-zero.
    process.send?.({ gatehouse: 'failed', message: (error as Error).message }, () => process.exit(1));
  }
}

type WorkerMessage = { gatehouse?: 'ready' | 'failed'; message?: string };

/**
 * The primary of `--workers N`: resolves once every worker listens; rejects with the first worker's
 * start-up failure (the others are stopped), so the CLI prints it once and exits non-zero.
 */
async function servePrimary(options: GatehouseOptions, workers: number): Promise<void> {
  // Migrate and create keys once, before the workers race to do it.
  const gh = await createGatehouse({ ...options, logger: false });
  await gh.close();
  cluster.setupPrimary({ execArgv: workerExecArgv() });
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  await new Promise<void>((resolve, reject) => {
    let ready = 0;
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      stop();
      reject(new Error(message));
    };
    cluster.on('message', (_worker, message: WorkerMessage) => {
      if (message?.gatehouse === 'failed') fail(message.message ?? 'a worker failed to start');
      else if (message?.gatehouse === 'ready' && ++ready === workers && !settled) {
        settled = true;
        resolve();
      }
    });
    cluster.on('exit', (_worker, code, signal) => {
      // Its own 'failed' message, sent just before it exited, may still be on the way: let it win.
      setTimeout(() => fail(`a worker exited (${signal ?? `code ${code}`}) before it was ready`), 200);
    });
    for (let i = 0; i < workers; i++) cluster.fork();
  });
  console.log(`Gatehouse ready: ${options.issuer} (${workers} workers)`);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
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
