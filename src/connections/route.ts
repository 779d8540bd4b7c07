/**
 * `{issuer}/connections/{id}/{start|callback|link}` (paths.ts connectionPath); a SAML connection has
 * `start`, `link`, `saml/acs`, `saml/finish` and `saml/metadata` instead (saml-sp.ts). An unknown connection is
 * 404; a disabled one refuses every action (its button is gone from the sign-in page too). Each action
 * has one method; HEAD is not GET here.
 */

import type {
  ResolvedConnection,
  ResolvedOidcConnection,
  ResolvedSamlConnection,
} from '../config/connections.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { findConnection } from '../operations/connection-registry.js';
import { PATHS } from '../paths.js';
import { handleCallback } from './callback.js';
import { handleLink } from './link.js';
import { handleSamlAcs, handleSamlFinish } from './saml-acs.js';
import { handleSamlMetadata, handleSamlStart } from './saml-sp.js';
import { handleStart } from './start.js';

type Handler<C> = (ctx: Context, req: RequestInfo, c: C) => Promise<Response>;
type Actions<C> = Record<string, readonly ['GET' | 'POST', Handler<C>]>;

const OIDC_ACTIONS: Actions<ResolvedOidcConnection> = {
  start: ['GET', handleStart],
  callback: ['GET', handleCallback],
  link: ['POST', handleLink],
};

/** SAML (saml-sp.ts, saml-acs.ts): the IdP POSTs to `saml/acs` (bindings §3.5), which continues at `saml/finish`. */
const SAML_ACTIONS: Actions<ResolvedSamlConnection> = {
  start: ['GET', handleSamlStart],
  link: ['POST', handleLink],
  'saml/acs': ['POST', handleSamlAcs],
  'saml/finish': ['GET', handleSamlFinish],
  'saml/metadata': ['GET', handleSamlMetadata],
};

function actionOf(c: ResolvedConnection, name: string) {
  const entry = c.type === 'saml' ? SAML_ACTIONS[name] : OIDC_ACTIONS[name];
  if (!entry) return undefined;
  const [method, handler] = entry;
  return {
    method,
    run: (ctx: Context, req: RequestInfo) => (handler as Handler<ResolvedConnection>)(ctx, req, c),
  };
}

export async function handleConnection(ctx: Context, req: RequestInfo): Promise<Response> {
  const rest = req.url.pathname.slice(ctx.config.issuerPath.length + PATHS.connections.length);
  const match =
    /^([a-z0-9][a-z0-9_-]{0,63})\/(start|callback|link|saml\/acs|saml\/finish|saml\/metadata)$/.exec(rest);
  const connection = match ? await findConnection(ctx, match[1]!) : undefined;
  const action = match && connection ? actionOf(connection, match[2]!) : undefined;
  if (!match || !connection || !action) throw new OAuthError('not_found', 'There is no such sign-in method.');
  const method = action.method;
  // Exactly: a HEAD (a prefetch, a link checker) must not spend a state or start a sign-in.
  if (req.request.method !== method) {
    throw new OAuthError('method_not_allowed', `${req.request.method} is not allowed here`, {
      headers: { allow: method },
    });
  }
  if (!connection.enabled) {
    if (connection.type === 'saml') {
      const detail = { connection: connection.id, reason: 'disabled' };
      await ctx.auditAnonymous({ type: 'connection.saml.refused', detail }, req);
    }
    throw new OAuthError('forbidden', `Signing in with ${connection.name} is turned off on this server.`, {
      detail: `connection ${connection.id} is disabled`,
    });
  }
  return action.run(ctx, req);
}
