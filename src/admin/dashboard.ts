import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { formParams, type Params } from '../http/params.js';
import { redirect } from '../http/respond.js';
import {
  assertSameOrigin,
  assertSessionCsrf,
  readSession,
  sessionCsrf,
} from '../interaction/browser-session.js';
import { noticeFor } from '../interaction/pages-common.js';
import { signInReturningTo } from '../interaction/return-to.js';
import { ADMIN_STYLESHEET } from '../pages/admin/styles.js';
import { withRequestAudit } from './api/http.js';
import { handleBrandingAction, showBranding } from './dashboard/branding.js';
import { handleClientAction, handleCreateClient, showClients, showNewClient } from './dashboard/clients.js';
import {
  handleConnectionAction,
  handleCreateConnection,
  showConnections,
  showNewConnection,
} from './dashboard/connections.js';
import { handleEnterpriseAction, showEnterprise } from './dashboard/enterprise.js';
import type { AdminView } from './dashboard/kit.js';
import { handleOrganizationAction, showOrganizations } from './dashboard/organizations.js';
import {
  handleKeyAction,
  handleResourceAction,
  handleUserAction,
  showAudit,
  showKeys,
  showOverview,
  showResources,
  showSettings,
  showUsers,
} from './dashboard/pages.js';

/**
 * The dashboard at `{issuer}/admin` (DESIGN §5): server-rendered pages for a signed-in administrator.
 * Anyone not signed in is sent to the hosted sign-in page (and back here); a signed-in user without the
 * admin flag gets 403. Every POST is same-origin and carries the session's CSRF token; pages get the
 * hosted pages' security headers (CSP without scripts, no framing, no referrer, no-store). Handlers
 * call the same operations as the JSON API and the CLI.
 */
type PageHandler = (ctx: Context, req: RequestInfo, view: AdminView) => Promise<Response>;
type ActionHandler = (ctx: Context, req: RequestInfo, view: AdminView, params: Params) => Promise<Response>;

const GET: Record<string, PageHandler> = {
  '': showOverview,
  '/': showOverview,
  '/clients': showClients,
  '/clients/new': showNewClient,
  '/resources': showResources,
  '/users': showUsers,
  '/organizations': showOrganizations,
  '/connections': showConnections,
  '/connections/new': showNewConnection,
  '/audit': showAudit,
  '/keys': showKeys,
  '/settings': showSettings,
  '/branding': showBranding,
  '/enterprise': showEnterprise,
};

const POST: Record<string, ActionHandler> = {
  '/clients/new': handleCreateClient,
  '/clients/action': handleClientAction,
  '/users/action': handleUserAction,
  '/organizations/action': handleOrganizationAction,
  '/connections/new': handleCreateConnection,
  '/connections/action': handleConnectionAction,
  '/resources/action': handleResourceAction,
  '/keys/action': handleKeyAction,
  '/branding/action': handleBrandingAction,
  '/enterprise/action': handleEnterpriseAction,
};

/** Every dashboard page and form action below `{issuer}/admin`, for tests that cover them all. */
export function listDashboardRoutes(): { method: 'GET' | 'POST'; path: string }[] {
  return [
    ...Object.keys(GET).map((path) => ({ method: 'GET' as const, path })),
    ...Object.keys(POST).map((path) => ({ method: 'POST' as const, path })),
    { method: 'GET', path: '/assets/admin.css' },
  ];
}

/** Outcome notices, by code: the query string selects a fixed sentence, never supplies text. */
const NOTICES: Record<string, string> = {
  disable: 'The client was disabled and its grants revoked.',
  enable: 'The client was enabled.',
  'revoke-sessions': 'Sessions were revoked.',
  delete: 'The client was deleted.',
  edit: 'Changes saved.',
  'cimd-approve': 'The staged change was approved.',
  'cimd-reject': 'The staged change was rejected.',
  'cimd-pin': 'The client is pinned: changes to its document now wait for approval.',
  'cimd-unpin': 'The client is unpinned.',
  'user-disable': 'The user was disabled, signed out and their grants revoked.',
  'user-enable': 'The user was enabled.',
  'identity-unlinked': 'The linked sign-in provider was removed.',
  'user-create': 'The user was created.',
  'org-create': 'The organization was created.',
  'org-delete': 'The organization was deleted with its memberships.',
  'member-save': 'The member was saved.',
  'member-remove': 'The member was removed; their grants in the organization stop refreshing.',
  'reset-password': 'A password-reset link was sent to the user through the mailer.',
  'resource-edit': 'The resource was saved.',
  'connection-create': 'The connection was added: its button is on the sign-in page now.',
  'connection-enable': 'The connection was enabled.',
  'connection-disable': 'The connection was disabled: its button is gone and its sign-ins are refused.',
  'connection-delete': 'The connection was deleted.',
  'branding-save': 'The branding was saved: the hosted pages show it now.',
  'branding-reset': "The branding was reset to the configuration's.",
  'idp-add': 'The enterprise IdP was added: its ID-JAGs are accepted now.',
  'idp-remove': 'The enterprise IdP was removed: its ID-JAGs are refused now.',
};

export async function handleDashboard(ctx: Context, req: RequestInfo): Promise<Response> {
  const admin = `${ctx.config.issuerPath}/admin`;
  const sub = req.url.pathname.slice(admin.length);
  const method = req.request.method === 'HEAD' ? 'GET' : req.request.method;
  if (sub === '/assets/admin.css' && method === 'GET') {
    return new Response(ADMIN_STYLESHEET, {
      headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' },
    });
  }
  const page = method === 'GET' ? GET[sub] : undefined;
  const action = method === 'POST' ? POST[sub] : undefined;
  if (!page && !action) {
    // RFC 9110 §15.5.6: a 405 lists the methods the resource does allow.
    if (GET[sub] || POST[sub])
      throw new OAuthError('method_not_allowed', `${req.request.method} is not allowed here`, {
        headers: { allow: GET[sub] ? 'GET, HEAD' : 'POST' },
      });
    throw new OAuthError('not_found', 'There is no such dashboard page.');
  }
  if (action) assertSameOrigin(ctx, req);
  const active = await readSession(ctx, req);
  if (!active) {
    // Back to this page after signing in; an over-long one to the plain page (interaction/return-to.ts).
    const back = method === 'GET' ? req.url : new URL(admin, req.url);
    return redirect(signInReturningTo(ctx, back), method === 'GET' ? 302 : 303);
  }
  if (!active.user.admin) {
    throw new OAuthError('forbidden', 'The dashboard is for administrators. Ask one to grant you access.');
  }
  const notice = noticeFor(NOTICES, req.url.searchParams.get('done'));
  const view: AdminView = {
    actor: `user:${active.user.id}`,
    csrf: sessionCsrf(ctx, active.session),
    admin,
    frame: (section, title, extra = {}) => ({
      basePath: ctx.config.issuerPath,
      section,
      title,
      adminEmail: active.user.email,
      ...(notice ? { notice } : {}),
      ...extra,
    }),
  };
  if (page) return page(ctx, req, view);
  const params = await formParams(req.request);
  assertSessionCsrf(ctx, active.session, params.get('csrf'));
  return action!(withRequestAudit(ctx, req), req, view, params);
}
