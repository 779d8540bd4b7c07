import { jsonNoStore } from './respond.js';

interface Closable {
  fetch(request: Request, connection?: never): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Makes `close()` safe while requests are in progress: it waits for every `fetch` already begun to
 * finish, then closes (the database among the rest), so no request loses its database mid-way; a
 * `fetch` that begins after `close()` was called is answered 503 with `Retry-After` (RFC 9110 §15.6.4)
 * without touching anything. Calling `close()` again returns the same promise.
 *
 * A server should stop sending requests first (adapters/node.ts `drainable`); `close()` does not
 * bound the wait: a request stuck on an unreachable database holds it until the driver gives up.
 */
export function trackInFlight<T extends Closable>(target: T): T {
  const { fetch, close } = target;
  let count = 0;
  let idle: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  const settle = () => {
    count -= 1;
    if (count === 0) idle?.();
  };
  target.fetch = (request, connection) => {
    if (closing)
      return Promise.resolve(
        jsonNoStore(
          { error: 'temporarily_unavailable', error_description: 'The server is shutting down. Try again.' },
          { status: 503, headers: { 'retry-after': '1', connection: 'close' } },
        ),
      );
    count += 1;
    let pending: Promise<Response>;
    try {
      pending = fetch(request, connection);
    } catch (error) {
      settle();
      return Promise.reject(error);
    }
    // One reaction per request rather than an async function's extra promise and await: this wraps
    // every request.
    return pending.then(
      (response) => {
        settle();
        return response;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
  };
  target.close = () => {
    closing ??= (async () => {
      if (count > 0) await new Promise<void>((resolve) => (idle = resolve));
      await close();
    })();
    return closing;
  };
  return target;
}
