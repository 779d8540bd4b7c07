/**
 * Authorization codes, grants, refresh tokens and the access-token denylist: the verbs off the token
 * endpoint's hot path. Redemption, rotation and the reads by key are in ../hot/ (one implementation each).
 */
import { codeToRow, grantFromRow } from '../mappers.js';
import type { AuthorizationCodeRecord, GrantRecord } from '../types.js';
import { affected, insertUnique, type StoreContext, type Tx, writeTx } from './context.js';

export async function createAuthorizationCode(
  ctx: StoreContext,
  code: AuthorizationCodeRecord,
): Promise<void> {
  await insertUnique('authorization code', () =>
    ctx.db.insertInto('gatehouse_authorization_codes').values(codeToRow(code)).execute(),
  );
}

/** Revokes a grant and its refresh tokens inside an open transaction; true if this call revoked it. */
async function revokeGrantIn(tx: Tx, id: string, at: number, reason: string): Promise<boolean> {
  const result = await tx
    .updateTable('gatehouse_grants')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  await tx
    .updateTable('gatehouse_refresh_tokens')
    .set({ revoked_at: at })
    .where('grant_id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return affected(result) > 0;
}

export async function revokeGrant(
  ctx: StoreContext,
  id: string,
  at: number,
  reason: string,
): Promise<boolean> {
  return writeTx(ctx, async (tx) => {
    if (await revokeGrantIn(tx, id, at, reason)) return true;
    // Already revoked is still success (idempotent); only a missing grant is false.
    const row = await tx.selectFrom('gatehouse_grants').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  });
}

export async function revokeGrants(
  ctx: StoreContext,
  filter: { userId?: string; clientId?: string },
  at: number,
  reason: string,
): Promise<number> {
  // An empty filter would sign every user out of every client; refuse rather than guess.
  if (filter.userId === undefined && filter.clientId === undefined) {
    throw new Error('revokeGrants needs a userId or a clientId');
  }
  return writeTx(ctx, async (tx) => {
    let grants = tx
      .updateTable('gatehouse_grants')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('revoked_at', 'is', null);
    let ids = tx.selectFrom('gatehouse_grants').select('id');
    if (filter.userId !== undefined) {
      grants = grants.where('user_id', '=', filter.userId);
      ids = ids.where('user_id', '=', filter.userId);
    }
    if (filter.clientId !== undefined) {
      grants = grants.where('client_id', '=', filter.clientId);
      ids = ids.where('client_id', '=', filter.clientId);
    }
    const result = await grants.executeTakeFirst();
    await tx
      .updateTable('gatehouse_refresh_tokens')
      .set({ revoked_at: at })
      .where('revoked_at', 'is', null)
      .where('grant_id', 'in', ids)
      .execute();
    return affected(result);
  });
}

export async function listGrants(
  ctx: StoreContext,
  filter: { userId?: string; clientId?: string; activeOnly?: boolean },
): Promise<GrantRecord[]> {
  let q = ctx.db.selectFrom('gatehouse_grants').selectAll();
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId);
  if (filter.activeOnly) q = q.where('revoked_at', 'is', null);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(grantFromRow);
}

export async function revokeRefreshToken(ctx: StoreContext, id: string, at: number): Promise<void> {
  await ctx.db
    .updateTable('gatehouse_refresh_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function revokeAccessToken(ctx: StoreContext, jti: string, expiresAt: number): Promise<void> {
  await ctx.db
    .insertInto('gatehouse_revoked_access_tokens')
    .values({ jti, expires_at: expiresAt })
    .onConflict((oc) => oc.column('jti').doNothing())
    .execute();
}

/** One conditional insert: a live row wins the conflict, an expired one is taken over. */
export async function useClientAssertion(
  ctx: StoreContext,
  clientId: string,
  jti: string,
  expiresAt: number,
  at: number,
): Promise<boolean> {
  const row = await ctx.db
    .insertInto('gatehouse_client_assertions')
    .values({ client_id: clientId, jti, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .columns(['client_id', 'jti'])
        .doUpdateSet({ expires_at: expiresAt })
        .where('gatehouse_client_assertions.expires_at', '<=', at),
    )
    .returning('jti')
    .executeTakeFirst();
  return row !== undefined;
}

/** useClientAssertion's rule for ID-JAG ids, keyed by the IdP's issuer. */
export async function useIdJag(
  ctx: StoreContext,
  issuer: string,
  jti: string,
  expiresAt: number,
  at: number,
): Promise<boolean> {
  const row = await ctx.db
    .insertInto('gatehouse_id_jag_jtis')
    .values({ issuer, jti, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .columns(['issuer', 'jti'])
        .doUpdateSet({ expires_at: expiresAt })
        .where('gatehouse_id_jag_jtis.expires_at', '<=', at),
    )
    .returning('jti')
    .executeTakeFirst();
  return row !== undefined;
}

export async function isAccessTokenRevoked(ctx: StoreContext, jti: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('gatehouse_revoked_access_tokens')
    .select('jti')
    .where('jti', '=', jti)
    .executeTakeFirst();
  return row !== undefined;
}
