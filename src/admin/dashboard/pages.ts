import type { Context, RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { Params } from '../../http/params.js';
import { html } from '../../http/respond.js';
import { listAuditPage } from '../../operations/audit.js';
import { unlinkIdentity, userIdentities } from '../../operations/connections.js';
import { listKeys, rotateKeys } from '../../operations/keys.js';
import { overview } from '../../operations/overview.js';
import { parseAuditQuery, parseUserQuery } from '../../operations/queries.js';
import { editResource, listResources } from '../../operations/resources.js';
import { effectiveSettings } from '../../operations/settings.js';
import {
  createUserAsAdmin,
  disableUser,
  enableUser,
  getUser,
  listUsersPage,
  mailerConfigured,
  revokeUserSessions,
  sendUserPasswordReset,
  userDetail,
} from '../../operations/users.js';
import { renderConfirm, renderResult } from '../../pages/admin/confirm.js';
import { type ObservabilityView, renderOverview } from '../../pages/admin/overview.js';
import { renderAudit, renderKeys, renderResources, renderSettings } from '../../pages/admin/system.js';
import { renderUsers } from '../../pages/admin/users.js';
import { type AdminView, actionError, afterAction, returnPath } from './kit.js';

/** Overview, Resources, Users, Audit, Keys and Settings handlers of the dashboard. */

export async function showOverview(ctx: Context, _req: RequestInfo, view: AdminView): Promise<Response> {
  return html(
    renderOverview({
      frame: view.frame('overview', 'Overview'),
      admin: view.admin,
      overview: await overview(ctx),
      observability: observabilityView(ctx),
    }),
  );
}

/** What the Overview says of metrics and tracing (docs/operations.md): where, and who may read them. */
function observabilityView(ctx: Context): ObservabilityView {
  const { metrics, tracing, origin } = ctx.config;
  const protection = metrics.tokenDigest
    ? metrics.allowFrom
      ? 'a bearer token, from the addresses in metrics.allowFrom'
      : 'a bearer token (metrics.token)'
    : metrics.allowFrom
      ? 'the addresses in metrics.allowFrom'
      : 'loopback addresses only';
  return {
    metricsUrl: metrics.enabled ? origin + metrics.path : null,
    protection,
    tracing: tracing.enabled,
  };
}

export async function showSettings(ctx: Context, _req: RequestInfo, view: AdminView): Promise<Response> {
  return html(
    renderSettings({ frame: view.frame('settings', 'Settings'), settings: effectiveSettings(ctx) }),
  );
}

export async function showResources(ctx: Context, _req: RequestInfo, view: AdminView): Promise<Response> {
  return html(
    renderResources({
      frame: view.frame('resources', 'Resources'),
      admin: view.admin,
      csrf: view.csrf,
      resources: await listResources(ctx),
    }),
  );
}

const words = (text: string | undefined) => (text ?? '').split(/\s+/).filter(Boolean);

export async function handleResourceAction(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const back = `${view.admin}/resources`;
  try {
    if (params.get('op') !== 'edit') throw new OAuthError('invalid_request', 'unknown action');
    await editResource(
      ctx,
      params.get('resource') ?? '',
      {
        name: params.get('name') ?? '',
        scopes: words(params.get('scopes')),
        default_scopes: words(params.get('default_scopes')),
        lanes: {
          preregistered: params.get('lane_preregistered') === 'yes',
          cimd: params.get('lane_cimd') === 'yes',
          dcr: params.get('lane_dcr') === 'yes',
        },
      },
      view.actor,
    );
    return afterAction(back, 'resource-edit');
  } catch (error) {
    return actionError(view, 'resources', error, back);
  }
}

export async function showUsers(ctx: Context, req: RequestInfo, view: AdminView): Promise<Response> {
  const q = req.url.searchParams;
  const query = parseUserQuery(q);
  const page = await listUsersPage(ctx, { ...query, limit: 50 });
  const selectedId = q.get('user');
  const selected = selectedId ? await userDetail(ctx, selectedId, 15).catch(() => undefined) : undefined;
  const identities = selected ? await userIdentities(ctx, selected.user.id) : undefined;
  return html(
    renderUsers({
      frame: view.frame('users', selected ? `${selected.user.email} · Users` : 'Users'),
      admin: view.admin,
      csrf: view.csrf,
      ...(query.text ? { q: query.text } : {}),
      users: page.users,
      next: page.next,
      paged: Boolean(query.after),
      mailer: mailerConfigured(ctx),
      ...(selected ? { selected, identities } : {}),
    }),
  );
}

const USER_CONFIRM: Record<string, { heading: string; consequences: string[]; button: string }> = {
  disable: {
    heading: 'Disable this user?',
    consequences: ['They cannot sign in; their browser sessions, grants and refresh tokens are revoked now.'],
    button: 'Disable user',
  },
  'revoke-sessions': {
    heading: 'Sign this user out everywhere?',
    consequences: ['Their browser sessions, grants and refresh tokens are revoked now.'],
    button: 'Revoke sessions',
  },
};

/** The user actions of the dashboard: each one operation, then the notice it leaves. */
const USER_ACTIONS: Record<
  string,
  { run: (ctx: Context, userId: string, actor: string) => Promise<unknown>; done: string }
> = {
  disable: { run: disableUser, done: 'user-disable' },
  enable: { run: enableUser, done: 'user-enable' },
  'revoke-sessions': { run: revokeUserSessions, done: 'revoke-sessions' },
  'reset-password': { run: sendUserPasswordReset, done: 'reset-password' },
};

export async function handleUserAction(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const op = params.get('op') ?? '';
  const back = returnPath(view, params.get('return_to'), `${view.admin}/users`);
  try {
    if (op === 'create') {
      const user = await createUserAsAdmin(
        ctx,
        {
          email: params.get('email') ?? '',
          password: params.get('password') ?? '',
          admin: params.get('admin') === 'yes',
          emailVerified: params.get('email_verified') === 'yes',
        },
        view.actor,
      );
      return afterAction(`${view.admin}/users?user=${encodeURIComponent(user.id)}`, 'user-create');
    }
    const user = await getUser(ctx, params.get('user_id') ?? '');
    const confirm = Object.hasOwn(USER_CONFIRM, op) ? USER_CONFIRM[op] : undefined;
    if (confirm && params.get('confirmed') !== 'yes') {
      return html(
        renderConfirm({
          frame: view.frame('users', confirm.heading),
          heading: confirm.heading,
          subject: user.email,
          consequences: confirm.consequences,
          action: `${view.admin}/users/action`,
          fields: { csrf: view.csrf, op, user_id: user.id, return_to: back },
          button: confirm.button,
          cancelHref: back,
        }),
      );
    }
    if (op === 'unlink-identity') {
      const identity = { issuer: params.get('issuer') ?? '', subject: params.get('subject') ?? '' };
      await unlinkIdentity(ctx, user.id, identity, view.actor);
      return afterAction(back, 'identity-unlinked');
    }
    const action = Object.hasOwn(USER_ACTIONS, op) ? USER_ACTIONS[op] : undefined;
    if (!action) throw new OAuthError('invalid_request', 'unknown action');
    await action.run(ctx, user.id, view.actor);
    return afterAction(back, action.done);
  } catch (error) {
    return actionError(view, 'users', error, back);
  }
}

export async function showAudit(ctx: Context, req: RequestInfo, view: AdminView): Promise<Response> {
  const q = req.url.searchParams;
  const query = parseAuditQuery(q);
  const page = await listAuditPage(ctx, { ...query, limit: Math.min(query.limit, 50) });
  const pick = (name: string) => q.get(name)?.trim() || undefined;
  return html(
    renderAudit({
      frame: view.frame('audit', 'Audit log'),
      admin: view.admin,
      filters: {
        type: pick('type'),
        client_id: pick('client_id'),
        user_id: pick('user_id'),
        since: pick('since'),
        until: pick('until'),
      },
      events: page.events,
      next: page.next,
      paged: query.before !== undefined,
    }),
  );
}

export async function showKeys(ctx: Context, _req: RequestInfo, view: AdminView): Promise<Response> {
  return html(
    renderKeys({
      frame: view.frame('keys', 'Keys'),
      admin: view.admin,
      csrf: view.csrf,
      keys: await listKeys(ctx),
    }),
  );
}

export async function handleKeyAction(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const back = `${view.admin}/keys`;
  if (params.get('op') !== 'rotate')
    return actionError(view, 'keys', new OAuthError('invalid_request', 'unknown action'), back);
  if (params.get('confirmed') !== 'yes') {
    return html(
      renderConfirm({
        frame: view.frame('keys', 'Rotate signing keys?'),
        heading: 'Rotate signing keys?',
        consequences: [
          'The pre-published next key starts signing tokens: now if every instance and every JWKS cache has had time to see it, otherwise at a stored time every instance honours (the result says when).',
          'The active key keeps verifying until every token it signed has expired, then leaves the JWKS.',
        ],
        action: `${view.admin}/keys/action`,
        fields: { csrf: view.csrf, op: 'rotate' },
        button: 'Rotate keys',
        cancelHref: back,
      }),
    );
  }
  let result: Awaited<ReturnType<typeof rotateKeys>>;
  try {
    result = await rotateKeys(ctx, view.actor);
  } catch (error) {
    // A refusal (a rotation is already scheduled) is shown with its reason; nothing changed.
    return actionError(view, 'keys', error, back);
  }
  const heading = result.status === 'scheduled' ? 'Key rotation scheduled' : 'Keys rotated';
  return html(
    renderResult({
      frame: view.frame('keys', heading, { notice: `${heading}.` }),
      heading,
      message: result.message,
      backHref: back,
      backLabel: 'Back to keys',
    }),
  );
}
