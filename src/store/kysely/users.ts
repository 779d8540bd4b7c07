/** Users, browser sessions and consents. */
import {
  consentFromRow,
  consentToRow,
  normaliseEmail,
  sessionFromRow,
  sessionToRow,
  userFromRow,
  userPatchToRow,
  userToRow,
} from '../mappers.js';
import type { BrowserSessionRecord, ConsentRecord, UserRecord } from '../types.js';
import { affected, insertUnique, type StoreContext } from './context.js';

export async function createUser(ctx: StoreContext, user: UserRecord): Promise<void> {
  // The unique index on email_lower also catches two sign-ups racing with the same address.
  await insertUnique(`user ${user.email}`, () =>
    ctx.db.insertInto('gatehouse_users').values(userToRow(user)).execute(),
  );
}

export async function getUserById(ctx: StoreContext, id: string): Promise<UserRecord | undefined> {
  const row = await ctx.db.selectFrom('gatehouse_users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? userFromRow(row) : undefined;
}

export async function getUserByEmail(ctx: StoreContext, email: string): Promise<UserRecord | undefined> {
  const row = await ctx.db
    .selectFrom('gatehouse_users')
    .selectAll()
    .where('email_lower', '=', normaliseEmail(email))
    .executeTakeFirst();
  return row ? userFromRow(row) : undefined;
}

export async function updateUser(
  ctx: StoreContext,
  id: string,
  patch: Partial<Omit<UserRecord, 'id' | 'createdAt'>>,
): Promise<boolean> {
  const changes = userPatchToRow(patch);
  if (Object.keys(changes).length === 0) return (await getUserById(ctx, id)) !== undefined;
  const result = await insertUnique(`user ${patch.email ?? id}`, () =>
    ctx.db.updateTable('gatehouse_users').set(changes).where('id', '=', id).executeTakeFirst(),
  );
  return affected(result) > 0;
}

export async function createBrowserSession(ctx: StoreContext, session: BrowserSessionRecord): Promise<void> {
  await ctx.db.insertInto('gatehouse_browser_sessions').values(sessionToRow(session)).execute();
}

export async function getBrowserSession(
  ctx: StoreContext,
  id: string,
): Promise<BrowserSessionRecord | undefined> {
  const row = await ctx.db
    .selectFrom('gatehouse_browser_sessions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? sessionFromRow(row) : undefined;
}

export async function revokeBrowserSession(ctx: StoreContext, id: string, at: number): Promise<void> {
  // Keeps the first revocation time when called twice.
  await ctx.db
    .updateTable('gatehouse_browser_sessions')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function revokeUserBrowserSessions(
  ctx: StoreContext,
  userId: string,
  at: number,
): Promise<number> {
  const result = await ctx.db
    .updateTable('gatehouse_browser_sessions')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return affected(result);
}

export async function getConsent(
  ctx: StoreContext,
  userId: string,
  clientId: string,
  resource: string,
): Promise<ConsentRecord | undefined> {
  const row = await ctx.db
    .selectFrom('gatehouse_consents')
    .selectAll()
    .where('user_id', '=', userId)
    .where('client_id', '=', clientId)
    .where('resource', '=', resource)
    .executeTakeFirst();
  return row ? consentFromRow(row) : undefined;
}

export async function saveConsent(ctx: StoreContext, consent: ConsentRecord): Promise<void> {
  const row = consentToRow(consent);
  await ctx.db
    .insertInto('gatehouse_consents')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['user_id', 'client_id', 'resource']).doUpdateSet({
        scope: row.scope,
        redirect_uri: row.redirect_uri,
        created_at: row.created_at,
      }),
    )
    .execute();
}

export async function deleteConsents(
  ctx: StoreContext,
  filter: { userId?: string; clientId?: string },
): Promise<number> {
  // An empty filter would wipe every consent of every user; that is never what a caller means.
  if (filter.userId === undefined && filter.clientId === undefined) {
    throw new Error('deleteConsents needs a userId or a clientId');
  }
  let q = ctx.db.deleteFrom('gatehouse_consents');
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId);
  return affected(await q.executeTakeFirst());
}
