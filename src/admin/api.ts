import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { hasControlCharacter } from '../http/characters.js';
import { authenticateAdmin } from './api/auth.js';
import { registerBrandingRoutes } from './api/branding.js';
import { registerClientRoutes } from './api/clients.js';
import { registerConnectionRoutes } from './api/connections.js';
import { registerEnterpriseRoutes } from './api/enterprise.js';
import { type AdminRoute, type Register, withRequestAudit } from './api/http.js';
import { registerOrganizationRoutes } from './api/organizations.js';
import { registerSystemRoutes } from './api/system.js';
import { registerUserRoutes } from './api/users.js';

export { presentClient } from '../operations/views.js';

/**
 * The admin JSON API under `{issuer}/admin/api/`. Path segments are percent-decoded, so URL client_ids
 * (CIMD) are addressed as `/admin/api/clients/{encodeURIComponent(client_id)}`. The route is matched
 * first (404/405 reveal only the documented surface), then the caller is authenticated, before any
 * handler reads data.
 * @see docs/admin-api.md
 */
const routes: AdminRoute[] = [];
const route: Register = (method, path, handler) => routes.push({ method, pattern: path.split('/'), handler });
registerClientRoutes(route);
registerUserRoutes(route);
registerSystemRoutes(route);
registerBrandingRoutes(route);
registerConnectionRoutes(route);
registerOrganizationRoutes(route);
registerEnterpriseRoutes(route);

/** Every admin API route as `METHOD path` pattern (`:name` for a parameter), for tests that cover them all. */
export function listAdminApiRoutes(): { method: string; path: string }[] {
  return routes.map((r) => ({ method: r.method, path: r.pattern.join('/') }));
}

export async function handleAdminApi(ctx: Context, req: RequestInfo): Promise<Response> {
  const prefix = `${ctx.config.issuerPath}/admin/api/`;
  let segments: string[];
  try {
    segments = req.url.pathname.slice(prefix.length).split('/').map(decodeURIComponent);
  } catch {
    throw new OAuthError('not_found', 'no such admin endpoint');
  }
  // The router already refused a segment decoding to a control character (http/characters.ts) with
  // 400; kept here too, as no id holds one (PostgreSQL text cannot even be compared with U+0000).
  if (segments.some(hasControlCharacter))
    throw new OAuthError('invalid_request', 'the request path contains a control character');
  const matches = routes.filter(
    (r) =>
      r.pattern.length === segments.length &&
      r.pattern.every((p, i) => (p.startsWith(':') ? segments[i] !== '' : p === segments[i])),
  );
  // A literal path (clients/…/enable) wins over a parameter in the same position.
  const method = req.request.method === 'HEAD' ? 'GET' : req.request.method;
  const found = matches.find((r) => r.method === method);
  if (!found) {
    if (matches.length === 0) throw new OAuthError('not_found', 'no such admin endpoint');
    // RFC 9110 §15.5.6; HEAD is answered as GET (above).
    const allow = new Set(matches.map((r) => r.method));
    if (allow.has('GET')) allow.add('HEAD');
    throw new OAuthError('method_not_allowed', `${req.request.method} is not allowed here`, {
      headers: { allow: [...allow].join(', ') },
    });
  }
  const actor = await authenticateAdmin(ctx, req);
  const params = found.pattern.flatMap((p, i) => (p.startsWith(':') ? [segments[i]!] : []));
  return found.handler(withRequestAudit(ctx, req), req, actor, params);
}
