import { OAuthError } from '../../errors.js';
import { jsonNoStore } from '../../http/respond.js';
import {
  createUserAsAdmin,
  disableUser,
  enableUser,
  presentUser,
  requireUser,
  revokeUserSessions,
  sendPasswordReset,
  userGrants,
} from '../../operations/users.js';
import { jsonBody, optionalBoolean, optionalString, type Register } from './http.js';

/** User routes of the admin API. @see docs/admin-api.md */
export function registerUserRoutes(route: Register): void {
  route('GET', 'users', async (ctx, req) => {
    const q = req.url.searchParams;
    const limitRaw = q.get('limit');
    const limit = limitRaw ? Math.min(Math.max(Number.parseInt(limitRaw, 10) || 50, 1), 500) : 50;
    const users = await ctx.store.listUsers({
      ...(q.get('q') ? { text: q.get('q')! } : {}),
      ...(q.get('after') ? { after: q.get('after')! } : {}),
      limit,
    });
    const next = users.length === limit ? users[users.length - 1]!.email.toLowerCase() : null;
    return jsonNoStore({ users: users.map(presentUser), next });
  });

  route('POST', 'users', async (ctx, req, actor) => {
    const body = await jsonBody(req);
    const email = optionalString(body, 'email');
    const password = optionalString(body, 'password');
    if (!email || !password) throw new OAuthError('invalid_request', '"email" and "password" are required');
    const user = await createUserAsAdmin(
      ctx,
      {
        email,
        password,
        admin: optionalBoolean(body, 'admin') ?? false,
        emailVerified: optionalBoolean(body, 'email_verified') ?? false,
      },
      actor.id,
    );
    return jsonNoStore({ user: presentUser(user) }, { status: 201 });
  });

  route('GET', 'users/:id', async (ctx, _req, _actor, [id]) => {
    const user = await requireUser(ctx, id!);
    const grants = await userGrants(ctx, user);
    const events = await ctx.store.listAuditEvents({ userId: user.id, limit: 20 });
    return jsonNoStore({ user: presentUser(user), grants, recent_events: events });
  });

  route('GET', 'users/:id/grants', async (ctx, _req, _actor, [id]) =>
    jsonNoStore({ grants: await userGrants(ctx, await requireUser(ctx, id!)) }),
  );

  route('POST', 'users/:id/disable', async (ctx, _req, actor, [id]) => {
    const revoked = await disableUser(ctx, await requireUser(ctx, id!), actor.id);
    return jsonNoStore({ user: presentUser(await requireUser(ctx, id!)), ...revoked });
  });

  route('POST', 'users/:id/enable', async (ctx, _req, actor, [id]) => {
    await enableUser(ctx, await requireUser(ctx, id!), actor.id);
    return jsonNoStore({ user: presentUser(await requireUser(ctx, id!)) });
  });

  route('POST', 'users/:id/revoke-sessions', async (ctx, _req, actor, [id]) =>
    jsonNoStore(await revokeUserSessions(ctx, await requireUser(ctx, id!), actor.id)),
  );

  // 202: a message was handed to the mailer; the token itself never appears in any response.
  route('POST', 'users/:id/reset-password', async (ctx, _req, actor, [id]) => {
    await sendPasswordReset(ctx, await requireUser(ctx, id!), actor.id);
    return jsonNoStore({ sent: true }, { status: 202 });
  });
}
