import { z } from 'zod';

/**
 * How the HTTP server of `gatehouse serve` (and `listen` from `gatehouse/node`) runs: shutdown,
 * timeouts against slow clients, and the supervision of `--workers N`. All in seconds.
 * @see docs/configuration.md ("server"), docs/operations.md ("Shutdown and restarts", "Timeouts")
 */
export interface ServerOptions {
  /**
   * On SIGTERM or SIGINT, how long requests in progress may take to finish; at this deadline the
   * connections still open are closed and counted in the log. @default 8
   */
  shutdownTimeout?: number;
  /** How long a client has to send a request's headers; then 408 and the connection is closed. @default 10 */
  headersTimeout?: number;
  /** How long a client has to send a whole request, headers and body; then 408 and closed. @default 30 */
  requestTimeout?: number;
  /** How long an idle keep-alive connection is kept (announced as `Keep-Alive: timeout=`). @default 5 */
  keepAliveTimeout?: number;
  /**
   * `--workers N`: worker crashes within `workerRestartWindow` that are restarted; one more and the
   * primary stops the others and exits 1, so that the service manager sees the failure. @default 10
   */
  maxWorkerRestarts?: number;
  /** @default 60 */
  workerRestartWindow?: number;
}

const seconds = (max: number) => z.number().positive().max(max).optional();

export const serverSchema = z.strictObject({
  shutdownTimeout: z.number().min(0).max(3600).optional(),
  headersTimeout: seconds(3600),
  requestTimeout: seconds(3600),
  keepAliveTimeout: seconds(3600),
  maxWorkerRestarts: z.number().int().min(0).optional(),
  workerRestartWindow: seconds(86_400),
});
