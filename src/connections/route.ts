/**
 * `{issuer}/connections/{id}/{start|callback|link}` (paths.ts connectionPath). An unknown connection is
 * 404; a disabled one refuses every action (its button is gone from the sign-in page too). Each action
 * has one method; HEAD is not GET here.
 */
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { PATHS } from '../paths.js';
import { handleCallback } from './callback.js';
import { handleLink } from './link.js';
import { findConnection } from './registry.js';
import { handleStart } from './start.js';

const ACTIONS = {
  start: ['GET', handleStart],
  callback: ['GET', handleCallback],
  link: ['POST', handleLink],
} as const;

export async function handleConnection(ctx: Context, req: RequestInfo): Promise<Response> {
  const rest = req.url.pathname.slice(ctx.config.issuerPath.length + PATHS.connections.length);
  const match = /^([a-z0-9][a-z0-9_-]{0,63})\/(start|callback|link)$/.exec(rest);
  const connection = match ? await findConnection(ctx, match[1]!) : undefined;
  if (!match || !connection) throw new OAuthError('not_found', 'There is no such sign-in method.');
  const [method, handler] = ACTIONS[match[2] as keyof typeof ACTIONS];
  // Exactly: a HEAD (a prefetch, a link checker) must not spend a state or start a sign-in.
  if (req.request.method !== method) {
    throw new OAuthError('method_not_allowed', `${req.request.method} is not allowed here`, {
      headers: { allow: method },
    });
  }
  if (!connection.enabled) {
    throw new OAuthError('forbidden', `Signing in with ${connection.name} is turned off on this server.`, {
      detail: `connection ${connection.id} is disabled`,
    });
  }
  return handler(ctx, req, connection);
}
