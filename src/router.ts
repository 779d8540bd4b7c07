import { handleAdminApi } from './admin/api.js';
import { handleDashboard } from './admin/dashboard.js';
import { handleBrandLogo, handleBrandStylesheet } from './branding/assets.js';
import { handleConnection } from './connections/route.js';
import type { Context, Handler, RequestInfo } from './context.js';
import { handleAuthorize, handleResume } from './endpoints/authorize.js';
import { handleLive, handleReady } from './endpoints/health.js';
import { handleIntrospect } from './endpoints/introspect.js';
import { handleJwks } from './endpoints/jwks.js';
import { handleLogout } from './endpoints/logout.js';
import { metadataHandler } from './endpoints/metadata.js';
import { handleRegister } from './endpoints/register.js';
import { handleRevoke } from './endpoints/revoke.js';
import { handleToken } from './endpoints/token.js';
import { OAuthError } from './errors.js';
import { auditCredentialFailure, countRefusal, throttledRefusal } from './http/anonymous.js';
import { rateLimitKey } from './http/client-ip.js';
import { preflight, RESPONSE_CORS_HEADERS } from './http/cors.js';
import { assertHeaderLengths, assertUrlBounds } from './http/limits.js';
import { json, oauthErrorJson } from './http/respond.js';
import { handleAccountPage, handleAccountSubmit } from './interaction/account.js';
import { handleClientLogo } from './interaction/client-logo.js';
import { handleConsentSubmit } from './interaction/consent.js';
import { handleForgotPasswordPage, handleForgotPasswordSubmit } from './interaction/forgot-password.js';
import { handleHeadless } from './interaction/headless.js';
import {
  handleLoginPage,
  handleLoginSubmit,
  handleSignupPage,
  handleSignupSubmit,
} from './interaction/login.js';
import { handleOrganizationSubmit } from './interaction/organization.js';
import { errorPage } from './interaction/pages-common.js';
import { handleResetPasswordPage, handleResetPasswordSubmit } from './interaction/password-reset.js';
import { assertLocationBound } from './interaction/return-to.js';
import { handleSignedIn } from './interaction/static.js';
import { databaseOutageResponse } from './interaction/unavailable.js';
import {
  handleVerifyEmailPage,
  handleVerifyEmailSend,
  handleVerifyEmailSubmit,
} from './interaction/verify-email.js';
import { handleMetrics } from './metrics/endpoint.js';
import { PATHS, type PathName } from './paths.js';

/**
 * Routes by exact path. Each route says how its errors are rendered: `api` routes answer OAuth JSON
 * errors (with CORS where browsers call them), `page` routes answer an HTML error page.
 */
type Kind = 'api' | 'page';

interface Route {
  kind: Kind;
  methods: Record<string, Handler>;
  /** Methods allowed cross-origin (adds CORS headers and answers OPTIONS). */
  cors?: string;
  /** Credential endpoint: repeated invalid credentials from one IP are answered 429. */
  guarded?: boolean;
  /** Anyone may call it: refusals count against the client network (http/anonymous.ts). */
  anonymous?: boolean;
  /**
   * A prefix route whose handler answers every method itself, its own 404 and its 405 with the `Allow`
   * of the path asked for (the methods above are the ones it serves somewhere below the prefix).
   */
  everyMethod?: boolean;
}

const CREDENTIAL_FAILURES = new Set(['invalid_grant', 'invalid_client']);

export type Routes = Map<string, Route>;

/**
 * The route table: one line per path of src/paths.ts. `when` leaves a route out unless the feature is
 * enabled (an unregistered path is 404, not 403: DCR switched off looks like no DCR at all).
 */
const TABLE: { path: PathName; route: Route; when?: (ctx: Context) => boolean }[] = [
  { path: 'jwks', route: { kind: 'api', cors: 'GET', methods: { GET: handleJwks } } },
  {
    path: 'authorization',
    route: { kind: 'page', anonymous: true, methods: { GET: handleAuthorize, POST: handleAuthorize } },
  },
  { path: 'resume', route: { kind: 'page', anonymous: true, methods: { GET: handleResume } } },
  { path: 'token', route: { kind: 'api', cors: 'POST', guarded: true, methods: { POST: handleToken } } },
  {
    path: 'revocation',
    route: { kind: 'api', cors: 'POST', guarded: true, methods: { POST: handleRevoke } },
  },
  {
    path: 'introspection',
    route: { kind: 'api', cors: 'POST', guarded: true, methods: { POST: handleIntrospect } },
  },
  {
    path: 'registration',
    route: { kind: 'api', cors: 'POST', anonymous: true, methods: { POST: handleRegister } },
    when: (ctx) => ctx.config.dcr.enabled,
  },
  {
    path: 'login',
    route: { kind: 'page', anonymous: true, methods: { GET: handleLoginPage, POST: handleLoginSubmit } },
  },
  {
    path: 'signup',
    route: { kind: 'page', anonymous: true, methods: { GET: handleSignupPage, POST: handleSignupSubmit } },
  },
  {
    path: 'forgotPassword',
    route: {
      kind: 'page',
      anonymous: true,
      methods: { GET: handleForgotPasswordPage, POST: handleForgotPasswordSubmit },
    },
  },
  {
    path: 'resetPassword',
    route: {
      kind: 'page',
      anonymous: true,
      methods: { GET: handleResetPasswordPage, POST: handleResetPasswordSubmit },
    },
  },
  {
    path: 'verifyEmail',
    route: {
      kind: 'page',
      anonymous: true,
      methods: { GET: handleVerifyEmailPage, POST: handleVerifyEmailSubmit },
    },
  },
  {
    path: 'verifyEmailSend',
    route: { kind: 'page', anonymous: true, methods: { POST: handleVerifyEmailSend } },
  },
  {
    path: 'account',
    route: { kind: 'page', methods: { GET: handleAccountPage, POST: handleAccountSubmit } },
  },
  { path: 'consent', route: { kind: 'page', anonymous: true, methods: { POST: handleConsentSubmit } } },
  {
    path: 'organization',
    route: { kind: 'page', anonymous: true, methods: { POST: handleOrganizationSubmit } },
  },
  { path: 'endSession', route: { kind: 'page', methods: { GET: handleLogout, POST: handleLogout } } },
  { path: 'signedIn', route: { kind: 'page', methods: { GET: handleSignedIn } } },
  { path: 'clientLogo', route: { kind: 'page', anonymous: true, methods: { GET: handleClientLogo } } },
  { path: 'stylesheet', route: { kind: 'page', methods: { GET: handleBrandStylesheet } } },
  { path: 'brandLogo', route: { kind: 'page', methods: { GET: handleBrandLogo } } },
  { path: 'healthLive', route: { kind: 'api', methods: { GET: handleLive } } },
  { path: 'healthReady', route: { kind: 'api', methods: { GET: handleReady } } },
];

export function buildRoutes(ctx: Context): Routes {
  const p = ctx.config.issuerPath;
  const routes: Routes = new Map();
  const metadata: Route = { kind: 'api', methods: { GET: metadataHandler() }, cors: 'GET' };
  // RFC 8414 §3.1: the well-known suffix is inserted before the issuer's path.
  routes.set(`/.well-known/oauth-authorization-server${p}`, metadata);
  // OpenID Connect Discovery §4: appended to the issuer; path insertion too, as RFC 8414 §5 suggests.
  routes.set(`${p}/.well-known/openid-configuration`, metadata);
  routes.set(`/.well-known/openid-configuration${p}`, metadata);
  // DESIGN §4: Prometheus text at the origin, with metrics enabled (src/metrics/endpoint.ts).
  if (ctx.config.metrics.enabled)
    routes.set(ctx.config.metrics.path, { kind: 'api', methods: { GET: handleMetrics } });
  for (const { path, route, when } of TABLE) {
    if (!when || when(ctx)) routes.set(p + PATHS[path], route);
  }
  return routes;
}

/** Routes that own every path below a prefix. */
export function prefixRoute(ctx: Context, pathname: string): Route | undefined {
  const admin = ctx.config.issuerPath + PATHS.admin;
  if (pathname.startsWith(ctx.config.issuerPath + PATHS.adminApi)) return ADMIN_API;
  if (pathname === admin || pathname.startsWith(`${admin}/`)) return DASHBOARD;
  // Configured or stored (operations/connection-registry.ts): an unknown id is the handler's 404.
  if (pathname.startsWith(ctx.config.issuerPath + PATHS.connections)) return CONNECTIONS;
  if (ctx.config.headless.enabled && pathname.startsWith(ctx.config.issuerPath + PATHS.headlessApi))
    return HEADLESS;
  return undefined;
}

/**
 * The headless sign-in API (interaction/headless.ts): JSON errors; anyone may call it, so refusals
 * count against the client network; its own credentialed CORS for the allowed origins (and OPTIONS).
 */
const HEADLESS: Route = {
  kind: 'api',
  anonymous: true,
  everyMethod: true,
  methods: { GET: handleHeadless, POST: handleHeadless, OPTIONS: handleHeadless },
};

/** Upstream sign-in (connections/route.ts): pages, anyone may call them. */
const CONNECTIONS: Route = {
  kind: 'page',
  anonymous: true,
  everyMethod: true,
  methods: { GET: handleConnection, POST: handleConnection },
};

const ADMIN_API: Route = {
  kind: 'api',
  everyMethod: true,
  methods: {
    GET: handleAdminApi,
    POST: handleAdminApi,
    PUT: handleAdminApi,
    PATCH: handleAdminApi,
    DELETE: handleAdminApi,
  },
};

/** The dashboard pages (DESIGN §5): HTML errors, never CORS. */
const DASHBOARD: Route = {
  kind: 'page',
  everyMethod: true,
  methods: { GET: handleDashboard, POST: handleDashboard },
};

/**
 * RFC 9110 §15.5.6: a 405 lists the methods the resource supports: HEAD wherever GET is (answered as
 * GET, §9.3.2), OPTIONS where the route answers CORS preflights.
 */
function allowed(route: Route): string {
  const methods = Object.keys(route.methods);
  if (route.methods.GET) methods.push('HEAD');
  if (route.cors && !route.methods.OPTIONS) methods.push('OPTIONS');
  return methods.join(', ');
}

/** Dispatches one request; the error boundary turns OAuthError into its response and anything else into a 500. */
export async function dispatch(ctx: Context, routes: Routes, req: RequestInfo): Promise<Response> {
  const route = routes.get(req.url.pathname) ?? prefixRoute(ctx, req.url.pathname);
  if (!route) {
    return json({ error: 'not_found', error_description: 'no such endpoint' }, { status: 404 });
  }
  const method = req.request.method === 'HEAD' ? 'GET' : req.request.method;
  if (method === 'OPTIONS' && route.cors) return preflight(route.cors);
  if (route.cors) req.cors = RESPONSE_CORS_HEADERS;
  // A prefix route's handler knows which methods the path below it takes (everyMethod).
  const handler = route.methods[method] ?? (route.everyMethod ? Object.values(route.methods)[0] : undefined);
  let response: Response;
  try {
    if (!handler) {
      throw new OAuthError('method_not_allowed', `${req.request.method} is not allowed here`, {
        headers: { allow: allowed(route) },
      });
    }
    const throttled = route.anonymous ? throttledRefusal(ctx, req) : undefined;
    if (throttled) return renderError(ctx, route.kind, throttled, req);
    // Bounded before any handler reads them, whichever way it reads them (http/limits.ts).
    assertHeaderLengths(req.request.headers);
    assertUrlBounds(req.url); // and no control characters in the query or the path (http/characters.ts)
    if (route.guarded) {
      const wait = ctx.failures.blockedFor(rateLimitKey(req.ip));
      if (wait > 0) {
        ctx.metrics.throttled('credential_failures');
        throw new OAuthError(
          'rate_limited',
          'too many invalid credentials from this address; try again later',
          {
            headers: { 'retry-after': String(wait) },
          },
        );
      }
    }
    response = await handler(ctx, req);
    assertLocationBound(response); // no Location over MAX_LOCATION_LENGTH, whoever built it
  } catch (error) {
    if (route.guarded && error instanceof OAuthError && CREDENTIAL_FAILURES.has(error.error)) {
      ctx.failures.fail(rateLimitKey(req.ip));
      await auditCredentialFailure(ctx, req, error);
    }
    response = renderError(ctx, route.kind, error, req);
  }
  if (route.anonymous) await countRefusal(ctx, req, response.status);
  return response;
}

function renderError(ctx: Context, kind: Kind, error: unknown, req: RequestInfo): Response {
  if (error instanceof OAuthError) {
    ctx.metrics.oauthError(req.url.pathname, error.error);
    if (error.detail)
      ctx.log.info({ error: error.error, detail: error.detail, path: req.url.pathname }, 'request refused');
    return kind === 'api' ? oauthErrorJson(error, req.cors) : errorPage(ctx, error);
  }
  // The client closed the connection before its request was read (Node's body stream fails with an
  // ECONNRESET "aborted", which is no database outage and no server fault): the client's mistake,
  // answered like one (nobody reads it) and logged without alarm.
  if (req.request.signal.aborted) {
    ctx.log.info(
      { err: error, path: req.url.pathname, method: req.request.method },
      'client closed the connection before the request was read',
    );
    return renderError(
      ctx,
      kind,
      new OAuthError('invalid_request', 'the request was not received completely'),
      req,
    );
  }
  // The database is unavailable: 503 with Retry-After (interaction/unavailable.ts), logged with its code.
  const outage = databaseOutageResponse(ctx, kind, error, req);
  ctx.metrics.oauthError(req.url.pathname, outage ? 'temporarily_unavailable' : 'server_error');
  if (outage) return outage;
  // A server fault: logged with its stack, answered with nothing secret.
  ctx.log.error({ err: error, path: req.url.pathname, method: req.request.method }, 'unhandled error');
  const fault = new OAuthError('server_error', 'The server could not complete this request.');
  return kind === 'api' ? oauthErrorJson(fault, req.cors) : errorPage(ctx, fault);
}
