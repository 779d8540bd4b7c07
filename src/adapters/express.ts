import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gatehouse } from '../gatehouse.js';
import { toNodeListener } from './node.js';

type Next = (error?: unknown) => void;

/**
 * Express middleware: `app.use(gatehouse(gh))` at the application root (the well-known metadata lives
 * at the origin's root, RFC 8414 §3). Mount it before any body parser: Gatehouse reads the raw body.
 */
export function gatehouse(
  gh: Gatehouse,
): (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: Next) => void {
  const listener = toNodeListener(gh);
  return (req, res, next) => {
    const url = req.originalUrl ?? req.url ?? '/';
    if (!gh.handles(new URL(url, 'http://x').pathname)) return next();
    req.url = url;
    listener(req, res);
  };
}
