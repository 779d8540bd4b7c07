import { handleAdminApi } from './admin/api.js';
import { handleDashboard } from './admin/dashboard.js';
import type { Context, Handler, RequestInfo } from './context.js';
import { handleAuthorize, handleResume } from './endpoints/authorize.js';
import { handleIntrospect } from './endpoints/introspect.js';
import { handleLogout } from './endpoints/logout.js';
import { buildMetadata } from './endpoints/metadata.js';
import { handleRegister } from './endpoints/register.js';
import { handleRevoke } from './endpoints/revoke.js';
import { handleToken } from './endpoints/token.js';
import { OAuthError } from './errors.js';
import { auditCredentialFailure, countRefusal, throttledRefusal } from './http/anonymous.js';
import { rateLimitKey } from './http/client-ip.js';
import { preflight, RESPONSE_CORS_HEADERS } from './http/cors.js';
import { assertFieldLengths, assertHeaderLengths } from './http/limits.js';
import { html, json, oauthErrorJson } from './http/respond.js';
import { handleClientLogo } from './interaction/client-logo.js';
import { handleConsentSubmit } from './interaction/consent.js';
import { handleForgotPasswordPage, handleForgotPasswordSubmit } from './interaction/forgot-password.js';
import {
  handleLoginPage,
  handleLoginSubmit,
  handleSignupPage,
  handleSignupSubmit,
} from './interaction/login.js';
import { errorPage } from './interaction/pages-common.js';
import { handleResetPasswordPage, handleResetPasswordSubmit } from './interaction/password-reset.js';
import { renderMessage } from './pages/error.js';
import { STYLESHEET } from './pages/styles.js';

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
}

const CREDENTIAL_FAILURES = new Set(['invalid_grant', 'invalid_client']);

export type Routes = Map<string, Route>;

export function buildRoutes(ctx: Context): Routes {
  const p = ctx.config.issuerPath;
  const routes: Routes = new Map();
  // Rebuilt when an administrator edits a resource (scopes_supported follows the resources).
  let metadataBody = JSON.stringify(buildMetadata(ctx.config));
  let metadataVersion = ctx.resources.version;
  const metadata: Handler = async (_c, req) => {
    if (metadataVersion !== ctx.resources.version) {
      metadataBody = JSON.stringify(buildMetadata(ctx.config));
      metadataVersion = ctx.resources.version;
    }
    return new Response(metadataBody, {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=300',
        ...req.cors,
      },
    });
  };
  const metadataRoute: Route = { kind: 'api', methods: { GET: metadata }, cors: 'GET' };
  // RFC 8414 §3.1: the well-known suffix is inserted before the issuer's path.
  routes.set(`/.well-known/oauth-authorization-server${p}`, metadataRoute);
  // OpenID Connect Discovery §4: appended to the issuer; path insertion too, as RFC 8414 §5 suggests.
  routes.set(`${p}/.well-known/openid-configuration`, metadataRoute);
  routes.set(`/.well-known/openid-configuration${p}`, metadataRoute);
  routes.set(`${p}/jwks.json`, {
    kind: 'api',
    cors: 'GET',
    methods: {
      GET: async (c, req) =>
        new Response(c.keys.jwks(), {
          headers: {
            'content-type': 'application/jwk-set+json',
            'cache-control': 'public, max-age=300',
            ...req.cors,
          },
        }),
    },
  });
  routes.set(`${p}/authorize`, {
    kind: 'page',
    anonymous: true,
    methods: { GET: handleAuthorize, POST: handleAuthorize },
  });
  routes.set(`${p}/authorize/resume`, { kind: 'page', anonymous: true, methods: { GET: handleResume } });
  routes.set(`${p}/token`, { kind: 'api', cors: 'POST', guarded: true, methods: { POST: handleToken } });
  routes.set(`${p}/revoke`, { kind: 'api', cors: 'POST', guarded: true, methods: { POST: handleRevoke } });
  routes.set(`${p}/introspect`, {
    kind: 'api',
    cors: 'POST',
    guarded: true,
    methods: { POST: handleIntrospect },
  });
  if (ctx.config.dcr.enabled) {
    routes.set(`${p}/register`, {
      kind: 'api',
      cors: 'POST',
      anonymous: true,
      methods: { POST: handleRegister },
    });
  }
  routes.set(`${p}/login`, {
    kind: 'page',
    anonymous: true,
    methods: { GET: handleLoginPage, POST: handleLoginSubmit },
  });
  routes.set(`${p}/signup`, {
    kind: 'page',
    anonymous: true,
    methods: { GET: handleSignupPage, POST: handleSignupSubmit },
  });
  routes.set(`${p}/forgot-password`, {
    kind: 'page',
    anonymous: true,
    methods: { GET: handleForgotPasswordPage, POST: handleForgotPasswordSubmit },
  });
  routes.set(`${p}/reset-password`, {
    kind: 'page',
    anonymous: true,
    methods: { GET: handleResetPasswordPage, POST: handleResetPasswordSubmit },
  });
  routes.set(`${p}/consent`, { kind: 'page', anonymous: true, methods: { POST: handleConsentSubmit } });
  routes.set(`${p}/logout`, { kind: 'page', methods: { GET: handleLogout, POST: handleLogout } });
  routes.set(`${p}/signed-in`, {
    kind: 'page',
    methods: {
      GET: async (c) =>
        html(
          renderMessage({
            basePath: c.config.issuerPath,
            title: 'Signed in',
            message: 'You are signed in. You can close this window.',
          }),
        ),
    },
  });
  routes.set(`${p}/client-logo`, { kind: 'page', anonymous: true, methods: { GET: handleClientLogo } });
  routes.set(`${p}/assets/gatehouse.css`, {
    kind: 'page',
    methods: {
      GET: async () =>
        new Response(STYLESHEET, {
          headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' },
        }),
    },
  });
  routes.set(`${p}/health/live`, { kind: 'api', methods: { GET: async () => json({ status: 'ok' }) } });
  routes.set(`${p}/health/ready`, {
    kind: 'api',
    methods: {
      GET: async (c) => {
        try {
          await c.store.ping();
          return json({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } });
        } catch {
          return json({ status: 'unavailable' }, { status: 503, headers: { 'cache-control': 'no-store' } });
        }
      },
    },
  });
  return routes;
}

/** Routes that own every path below a prefix. */
export function prefixRoute(ctx: Context, pathname: string): Route | undefined {
  const admin = `${ctx.config.issuerPath}/admin`;
  if (pathname.startsWith(`${admin}/api/`)) return ADMIN_API;
  if (pathname === admin || pathname.startsWith(`${admin}/`)) return DASHBOARD;
  return undefined;
}

const ADMIN_API: Route = {
  kind: 'api',
  methods: {
    GET: handleAdminApi,
    POST: handleAdminApi,
    PUT: handleAdminApi,
    PATCH: handleAdminApi,
    DELETE: handleAdminApi,
  },
};

/** The dashboard pages (DESIGN §5): HTML errors, never CORS. */
const DASHBOARD: Route = { kind: 'page', methods: { GET: handleDashboard, POST: handleDashboard } };

/** Dispatches one request; the error boundary turns OAuthError into its response and anything else into a 500. */
export async function dispatch(ctx: Context, routes: Routes, req: RequestInfo): Promise<Response> {
  const route = routes.get(req.url.pathname) ?? prefixRoute(ctx, req.url.pathname);
  if (!route) {
    return json({ error: 'not_found', error_description: 'no such endpoint' }, { status: 404 });
  }
  const method = req.request.method === 'HEAD' ? 'GET' : req.request.method;
  if (method === 'OPTIONS' && route.cors) return preflight(route.cors);
  if (route.cors) req.cors = RESPONSE_CORS_HEADERS;
  const handler = route.methods[method];
  let response: Response;
  try {
    if (!handler) {
      throw new OAuthError('method_not_allowed', `${req.request.method} is not allowed here`, {
        headers: { allow: Object.keys(route.methods).join(', ') },
      });
    }
    const throttled = route.anonymous ? throttledRefusal(ctx, req) : undefined;
    if (throttled) return renderError(ctx, route.kind, throttled, req);
    // Bounded before any handler reads them, whichever way it reads them (http/limits.ts).
    assertHeaderLengths(req.request.headers);
    assertFieldLengths(req.url.searchParams);
    if (route.guarded) {
      const wait = ctx.failures.blockedFor(rateLimitKey(req.ip));
      if (wait > 0) {
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
    if (error.detail)
      ctx.log.info({ error: error.error, detail: error.detail, path: req.url.pathname }, 'request refused');
    return kind === 'api' ? oauthErrorJson(error, req.cors) : errorPage(ctx, error);
  }
  // A server fault: logged with its stack, answered with nothing secret.
  ctx.log.error({ err: error, path: req.url.pathname, method: req.request.method }, 'unhandled error');
  const fault = new OAuthError('server_error', 'The server could not complete this request.');
  return kind === 'api' ? oauthErrorJson(fault, req.cors) : errorPage(ctx, fault);
}
