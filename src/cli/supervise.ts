import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { makeLogger } from '../config/logger.js';
import type { GatehouseOptions } from '../config/options.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { createGatehouse } from '../gatehouse.js';
import { workerExecArgv } from './young-generation.js';

/** Between the primary and a worker: a worker is `ready` or `failed` to start; the primary says `stop`. */
export type WorkerMessage = { gatehouse?: 'ready' | 'failed' | 'stop'; message?: string };

/** The first restart waits this long; each crash within the window doubles it, up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;
/** How long after its drain deadline a worker may take to exit before the primary kills it. */
const EXIT_GRACE_MS = 7000;

type Settings = ResolvedConfig['server'];

/**
 * The primary of `serve --workers N`. Start-up: resolves once every worker listens; rejects with the
 * first worker's start-up failure (the others are stopped), so the CLI prints it once and exits 1.
 * Then it supervises: a worker that exits is replaced after an exponential back-off (logged with the
 * worker, its exit code or signal and the delay); more than `server.maxWorkerRestarts` crashes within
 * `server.workerRestartWindow` and it stops the others and exits 1, so the service manager sees a
 * failure. SIGTERM/SIGINT: every worker drains (serve.ts installShutdown); the primary exits 0 once all
 * have exited 0.
 */
export async function supervise(options: GatehouseOptions, workers: number): Promise<void> {
  // Migrate and create keys once, before the workers race to do it.
  const gh = await createGatehouse({ ...options, logger: false });
  const settings = gh.config.server;
  await gh.close();
  const log = makeLogger(options.logger).child({ role: 'primary' });
  cluster.setupPrimary({ execArgv: workerExecArgv() });
  const pool = new WorkerPool(workers, settings, log);
  // Also during start-up: the workers that are up drain, and those still starting are stopped once ready.
  process.on('SIGTERM', () => void pool.stop('SIGTERM'));
  process.on('SIGINT', () => void pool.stop('SIGINT'));
  await pool.start();
  console.log(`Gatehouse ready: ${options.issuer} (${workers} workers)`);
}

class WorkerPool {
  /** Slot number (1…N, named in logs) → its current worker. */
  private readonly slots = new Map<number, Worker>();
  private readonly ready = new Set<Worker>();
  private readonly failures = new Map<Worker, string>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private crashes: number[] = [];
  private stopping = false;
  private exitCode = 0;
  private deadline: NodeJS.Timeout | undefined;
  private starting: { resolve(): void; reject(error: Error): void } | undefined;

  constructor(
    private readonly size: number,
    private readonly settings: Settings,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.starting = { resolve, reject };
      for (let slot = 1; slot <= this.size; slot++) this.fork(slot);
    });
  }

  private fork(slot: number): Worker {
    const worker = cluster.fork({ GATEHOUSE_WORKER: String(slot) });
    this.slots.set(slot, worker);
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, worker, message));
    worker.on('exit', (code, signal) => {
      this.ready.delete(worker);
      // A worker's own 'failed' message, sent just before it exited, may still be on the way: let it arrive.
      setTimeout(() => this.onExit(slot, worker, code, signal), 200);
    });
    return worker;
  }

  private onMessage(slot: number, worker: Worker, message: WorkerMessage): void {
    if (message?.gatehouse === 'failed') {
      this.failures.set(worker, message.message ?? 'a worker failed to start');
      if (this.starting) this.failStart(this.failures.get(worker)!);
    } else if (message?.gatehouse === 'ready') {
      this.ready.add(worker);
      const pid = worker.process.pid;
      this.log.info({ worker: slot, pid }, `worker ${slot} (pid ${pid}) is ready`);
      // It was still starting when the stop was sent, and could not hear it then.
      if (this.stopping) worker.send({ gatehouse: 'stop' } satisfies WorkerMessage);
      if (this.starting && this.ready.size === this.size) {
        this.starting.resolve();
        this.starting = undefined;
      }
    }
  }

  private failStart(message: string): void {
    const starting = this.starting;
    this.starting = undefined;
    this.stopping = true;
    this.stopAll();
    starting?.reject(new Error(message));
  }

  private onExit(slot: number, worker: Worker, code: number | null, signal: string | null): void {
    const failure = this.failures.get(worker);
    this.failures.delete(worker);
    if (this.slots.get(slot) === worker) this.slots.delete(slot);
    if (this.stopping) {
      if (code !== 0) this.exitCode = 1;
      this.exitIfDone();
      return;
    }
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.starting) {
      this.failStart(failure ?? `a worker exited (${how}) before it was ready`);
      return;
    }
    const now = Date.now();
    this.crashes = [...this.crashes.filter((at) => now - at < this.settings.workerRestartWindowMs), now];
    const fields = { worker: slot, pid: worker.process.pid, code, signal, ...(failure ? { failure } : {}) };
    if (this.crashes.length > this.settings.maxWorkerRestarts) {
      this.giveUp(fields, how);
      return;
    }
    const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.crashes.length - 1));
    this.log.error(
      { ...fields, restartInMs: delay },
      `worker ${slot} (pid ${worker.process.pid}) exited with ${how}${failure ? ` (${failure})` : ''}; restarting it in ${delay} ms`,
    );
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.stopping) this.fork(slot);
    }, delay);
    this.restarts.add(timer);
  }

  /** Too many crashes: stop the rest and exit 1 (once they have drained, or been killed). */
  private giveUp(fields: Record<string, unknown>, how: string): void {
    const windowS = this.settings.workerRestartWindowMs / 1000;
    const message = `workers crashed ${this.crashes.length} times within ${windowS} s (the last: worker ${fields['worker']}, ${how}), more than server.maxWorkerRestarts (${this.settings.maxWorkerRestarts}); stopping`;
    this.log.fatal(fields, message);
    console.error(`gatehouse: ${message}`);
    this.exitCode = 1;
    void this.stop('too many worker crashes');
  }

  /** Drains every worker; exits 0 once all exited 0 (1 if any did not, or had to be killed). */
  stop(reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const timer of this.restarts) clearTimeout(timer);
    this.restarts.clear();
    this.log.info({ reason, workers: this.slots.size }, 'shutting down: draining every worker');
    this.stopAll();
    this.deadline = setTimeout(() => {
      this.log.error({ workers: this.slots.size }, 'workers did not exit in time; killing them');
      this.exitCode = 1;
      for (const worker of this.slots.values()) worker.process.kill('SIGKILL');
    }, this.settings.shutdownTimeoutMs + EXIT_GRACE_MS);
    this.deadline.unref();
    this.exitIfDone();
  }

  private stopAll(): void {
    for (const worker of this.slots.values()) {
      if (worker.isConnected()) worker.send({ gatehouse: 'stop' } satisfies WorkerMessage);
      else worker.process.kill('SIGTERM');
    }
  }

  private exitIfDone(): void {
    if (!this.stopping || this.slots.size > 0) return;
    clearTimeout(this.deadline);
    this.log.info({ exitCode: this.exitCode }, 'every worker has stopped');
    this.log.flush?.(() => process.exit(this.exitCode));
    setTimeout(() => process.exit(this.exitCode), 1000).unref();
  }
}
