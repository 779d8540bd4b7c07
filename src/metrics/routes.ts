import { PATHS, type PathName } from '../paths.js';

/**
 * The route of a request as a label and as an OpenTelemetry `http.route`: looked up from Gatehouse's
 * own path table (src/paths.ts), never taken from the request, so a flood of made-up paths is one
 * label ("unmatched") and the dashboard's and admin API's sub-paths are one each.
 */
export interface RouteOf {
  /** snake_case: token, authorization, metadata, admin, admin_api, metrics, unmatched, … */
  label: string;
  /** The route template (issuer path included), or undefined for an unmatched path. */
  template: string | undefined;
}

const UNMATCHED: RouteOf = { label: 'unmatched', template: undefined };

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function routeResolver(issuerPath: string, metricsPath: string): (pathname: string) => RouteOf {
  const exact = new Map<string, RouteOf>();
  for (const [name, path] of Object.entries(PATHS) as [PathName, string][]) {
    if (name === 'admin' || name === 'adminApi' || name === 'connections') continue;
    exact.set(issuerPath + path, { label: snake(name), template: issuerPath + path });
  }
  // RFC 8414 §3.1 path insertion and OpenID Connect Discovery §4, as the router registers them.
  for (const path of [
    `/.well-known/oauth-authorization-server${issuerPath}`,
    `${issuerPath}/.well-known/openid-configuration`,
    `/.well-known/openid-configuration${issuerPath}`,
  ]) {
    exact.set(path, { label: 'metadata', template: path });
  }
  exact.set(metricsPath, { label: 'metrics', template: metricsPath });
  const adminApi = issuerPath + PATHS.adminApi;
  const admin = issuerPath + PATHS.admin;
  const adminApiRoute: RouteOf = { label: 'admin_api', template: `${adminApi}*` };
  const adminRoute: RouteOf = { label: 'admin', template: `${admin}/*` };
  // Upstream sign-in: `{connections}{id}/start|callback|link`, one label for every connection.
  const connections = issuerPath + PATHS.connections;
  const connectionsRoute: RouteOf = { label: 'connections', template: `${connections}*` };
  return (pathname) => {
    const hit = exact.get(pathname);
    if (hit) return hit;
    if (pathname.startsWith(adminApi)) return adminApiRoute;
    if (pathname === admin || pathname.startsWith(`${admin}/`)) return adminRoute;
    if (pathname.startsWith(connections)) return connectionsRoute;
    return UNMATCHED;
  };
}
