import type { MiddlewareHandler } from 'hono';
import type { Gatehouse } from '../gatehouse.js';

/**
 * Hono middleware: `app.use(gatehouse(gh))`. Requests for Gatehouse's paths go to `gh.fetch`; the rest
 * continue down the app. On @hono/node-server the peer address comes from the Node bindings.
 */
export function gatehouse(gh: Gatehouse): MiddlewareHandler {
  return async (c, next) => {
    if (!gh.handles(new URL(c.req.url).pathname)) return next();
    const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
    return gh.fetch(c.req.raw, { remoteAddress: env?.incoming?.socket?.remoteAddress ?? null });
  };
}
