import { OAuthError } from '../../errors.js';
import { jsonNoStore } from '../../http/respond.js';
import { parseUserQuery } from '../../operations/queries.js';
import {
  createUserAsAdmin,
  disableUser,
  enableUser,
  getUser,
  listUsersPage,
  revokeUserSessions,
  sendUserPasswordReset,
  userDetail,
  userGrants,
} from '../../operations/users.js';
import { jsonBody, optionalBoolean, optionalString, type Register } from './http.js';

/** User routes of the admin API: parse the request, call the operation, answer its view. @see docs/admin-api.md */
export function registerUserRoutes(route: Register): void {
  route('GET', 'users', async (ctx, req) =>
    jsonNoStore(await listUsersPage(ctx, parseUserQuery(req.url.searchParams))),
  );

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
    return jsonNoStore({ user }, { status: 201 });
  });

  route('GET', 'users/:id', async (ctx, _req, _actor, [id]) => {
    const { user, grants, events } = await userDetail(ctx, id!);
    return jsonNoStore({ user, grants, recent_events: events });
  });

  route('GET', 'users/:id/grants', async (ctx, _req, _actor, [id]) =>
    jsonNoStore({ grants: await userGrants(ctx, id!) }),
  );

  route('POST', 'users/:id/disable', async (ctx, _req, actor, [id]) => {
    const revoked = await disableUser(ctx, id!, actor.id);
    return jsonNoStore({ user: await getUser(ctx, id!), ...revoked });
  });

  route('POST', 'users/:id/enable', async (ctx, _req, actor, [id]) => {
    await enableUser(ctx, id!, actor.id);
    return jsonNoStore({ user: await getUser(ctx, id!) });
  });

  route('POST', 'users/:id/revoke-sessions', async (ctx, _req, actor, [id]) =>
    jsonNoStore(await revokeUserSessions(ctx, id!, actor.id)),
  );

  // 202: a message was handed to the mailer; the token itself never appears in any response.
  route('POST', 'users/:id/reset-password', async (ctx, _req, actor, [id]) => {
    await sendUserPasswordReset(ctx, id!, actor.id);
    return jsonNoStore({ sent: true }, { status: 202 });
  });
}
