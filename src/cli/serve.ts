import cluster from 'node:cluster';
import { type Listening, listen } from '../adapters/node.js';
import type { GatehouseOptions } from '../config/options.js';
import { createGatehouse, type Gatehouse } from '../gatehouse.js';
import { supervise, type WorkerMessage } from './supervise.js';

/**
 * `gatehouse serve`: one process, or `--workers N` processes sharing the port through node:cluster
 * (all state is in the database, so workers need no coordination; the primary supervises them,
 * supervise.ts). Prints one line with the issuer when ready; SIGTERM/SIGINT drain (installShutdown).
 */
export async function serve(options: GatehouseOptions, workers = 1): Promise<void> {
  if (workers > 1 && cluster.isPrimary) return supervise(options, workers);
  let started = false;
  // A worker whose primary is gone before it listens would wait for the primary forever.
  if (cluster.isWorker) process.once('disconnect', () => started || process.exit(1));
  // Its channel to the primary broke (EPIPE while listening: the primary already exited, e.g. another
  // worker's start-up failure, which the primary reports once). Nothing to add on stderr: just exit.
  cluster.worker?.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_IPC_CHANNEL_CLOSED') console.error(error);
    process.exit(1);
  });
  try {
    const gh = await createGatehouse(options);
    const listening = await listen(gh, { port: gh.config.port, host: gh.config.host });
    installShutdown(gh, listening);
    started = true;
    if (cluster.isWorker) process.send?.({ gatehouse: 'ready' } satisfies WorkerMessage);
    else
      console.log(`Gatehouse ready: ${gh.config.issuer} (listening on ${gh.config.host}:${gh.config.port})`);
  } catch (error) {
    if (!cluster.isWorker) throw error;
    // A worker reports to the primary, which prints a start-up failure once and exits non-zero.
    const message: WorkerMessage = { gatehouse: 'failed', message: (error as Error).message };
    process.send?.(message, () => process.exit(1));
  }
}

/** How long closing the database may take after the drain before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * Graceful shutdown on SIGTERM or SIGINT (or, in a `--workers` worker, the primary's `stop` message, or
 * the primary going away): stop accepting connections; answer the requests in progress and those that
 * arrive on open connections with `Connection: close` (adapters/node.ts `drainable`); at
 * `server.shutdownTimeout` close the connections still open, logging how many had a request in progress;
 * then run `onStop`, close the database and exit 0. A second SIGINT (Ctrl-C twice) exits at once.
 */
export function installShutdown(gh: Gatehouse, listening: Listening, onStop?: () => Promise<void>): void {
  const log = gh.config.logger;
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    const timeoutMs = gh.config.server.shutdownTimeoutMs;
    log.info({ reason, inFlight: listening.inFlight(), timeoutMs }, 'shutting down: draining connections');
    const { cutRequests, closedIdle } = await listening.drain(timeoutMs);
    if (cutRequests > 0)
      log.warn(
        { cutRequests, closedIdle, timeoutMs },
        `shutdown deadline reached: cut ${cutRequests} connection(s) with a request in progress`,
      );
    let code = 0;
    try {
      await onStop?.();
      await bounded(gh.close(), CLOSE_TIMEOUT_MS);
    } catch (error) {
      log.error({ err: error }, 'shutdown: closing failed');
      code = 1;
    }
    log.info({ cutRequests, closedIdle }, 'stopped');
    // pino writes to stdout asynchronously; exit once its buffer is written.
    log.flush?.(() => process.exit(code));
    setTimeout(() => process.exit(code), 1000).unref();
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    void stop('SIGINT');
  });
  if (cluster.isWorker) {
    process.on('message', (message: WorkerMessage) => {
      if (message?.gatehouse === 'stop') void stop('stopped by the primary');
    });
    process.once('disconnect', () => void stop('the primary went away'));
  }
}

function bounded(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
