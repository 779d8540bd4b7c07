/** Authorization codes, grants, refresh tokens and the access-token denylist. */
import { codeToRow, grantFromRow, grantToRow, refreshToRow } from '../mappers.js';
import type {
  AuthorizationCodeRecord,
  GrantRecord,
  MatchingCodeRedemption,
  RedeemCodeResult,
  RedemptionAudit,
  RefreshTokenRecord,
  RotateRefreshResult,
} from '../types.js';
import { affected, insertUnique, type StoreContext, type Tx, writeTx } from './context.js';

/** Recorded on the grant when a rotated refresh token is presented again and it is not a retry. */
export const REUSE_REVOKE_REASON = 'refresh_token_reuse';

export async function createAuthorizationCode(
  ctx: StoreContext,
  code: AuthorizationCodeRecord,
): Promise<void> {
  await insertUnique('authorization code', () =>
    ctx.db.insertInto('gatehouse_authorization_codes').values(codeToRow(code)).execute(),
  );
}

export function getAuthorizationCode(
  ctx: StoreContext,
  id: string,
): Promise<AuthorizationCodeRecord | undefined> {
  return ctx.hot.getAuthorizationCode(id);
}

export async function redeemAuthorizationCode(
  ctx: StoreContext,
  input: {
    id: string;
    at: number;
    grant: GrantRecord;
    refreshToken?: RefreshTokenRecord;
    audit: RedemptionAudit;
  },
): Promise<RedeemCodeResult> {
  // One conditional UPDATE is the whole compare-and-swap: both databases apply it to the row under a
  // row lock, so exactly one caller sees consumed_at still NULL; the grant is created in the same
  // transaction (../hot/).
  const { id, ...rest } = input;
  const outcome = await ctx.hot.redeemCode({ codeId: id, ...rest });
  if (outcome.status !== 'not_consumed') return outcome;
  const existing = await ctx.hot.getAuthorizationCode(id);
  return existing ? { status: 'already_consumed', code: existing } : { status: 'missing' };
}

export async function createGrant(
  ctx: StoreContext,
  grant: GrantRecord,
  refreshToken?: RefreshTokenRecord,
): Promise<void> {
  if (refreshToken && refreshToken.grantId !== grant.id) {
    throw new Error('createGrant: the refresh token must belong to the grant being created');
  }
  await writeTx(ctx, async (tx) => {
    // The primary key is what makes a code's grant creatable only once.
    await insertUnique(`grant ${grant.id}`, () =>
      tx.insertInto('gatehouse_grants').values(grantToRow(grant)).execute(),
    );
    if (refreshToken) {
      await insertUnique('refresh token', () =>
        tx.insertInto('gatehouse_refresh_tokens').values(refreshToRow(refreshToken)).execute(),
      );
    }
  });
}

export function redeemMatchingCode(ctx: StoreContext, input: MatchingCodeRedemption) {
  return ctx.hot.redeemMatchingCode(input);
}

export function getGrant(ctx: StoreContext, id: string): Promise<GrantRecord | undefined> {
  return ctx.hot.getGrant(id);
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

export function getRefreshToken(ctx: StoreContext, id: string): Promise<RefreshTokenRecord | undefined> {
  return ctx.hot.getRefreshToken(id);
}

const INVALID: RotateRefreshResult = { status: 'invalid' };

export async function rotateRefreshToken(
  ctx: StoreContext,
  id: string,
  successor: RefreshTokenRecord,
  at: number,
  graceMs: number,
): Promise<RotateRefreshResult> {
  // The compare-and-swap, one round trip (../hot/), is the only place a token is ever rotated. When it
  // does not rotate, it wrote nothing, and every condition it can fail on (rotated, revoked, expired,
  // grant revoked) is one that never reverts: what follows only tells retry, reuse and invalid apart.
  const grant = await ctx.hot.rotateIfFresh(id, successor, at);
  if (grant) return { status: 'rotated', grant };
  return writeTx(ctx, async (tx) => {
    const rows = await tx
      .selectFrom('gatehouse_refresh_tokens')
      .selectAll()
      .where('id', 'in', [id, successor.id])
      .execute();
    const token = rows.find((r) => r.id === id);
    if (!token) return INVALID;
    // A successor in another grant would fork the family: reuse detection would then miss it.
    if (successor.grantId !== token.grant_id || successor.clientId !== token.client_id) {
      throw new Error('rotateRefreshToken: the successor must belong to the same grant and client');
    }
    if (Number(token.expires_at) <= at) return INVALID;
    // Not rotated, yet the swap failed: the token or its grant is revoked.
    if (token.rotated_at === null) return INVALID;

    // graceMs = 0 means no grace at all, even for a caller whose clock reads the same millisecond.
    const inGrace = graceMs > 0 && at - Number(token.rotated_at) <= graceMs;
    const stored = rows.find((r) => r.id === successor.id && r.id !== id);
    const isItsSuccessor = stored?.grant_id === token.grant_id && stored.secret_hash === successor.secretHash;
    // A retry (a lost response, or a concurrent refresh): the token was rotated moments ago to this very
    // successor and nobody has used that yet, so the caller gets it again and nothing branches.
    if (inGrace && isItsSuccessor && stored.rotated_at === null) {
      if (stored.revoked_at !== null || Number(stored.expires_at) <= at) return INVALID;
      const row = await tx
        .selectFrom('gatehouse_grants')
        .selectAll()
        .where('id', '=', token.grant_id)
        .executeTakeFirst();
      if (!row || row.revoked_at !== null) return INVALID;
      return { status: 'retried', grant: grantFromRow(row) };
    }
    // Reuse (OAuth 2.1 §4.3.1; RFC 9700 §4.14.2): rotated before the grace window, or its successor has
    // been used already, so two parties hold this family. Revoke it at once, even if it is revoked
    // already (typically by an earlier reuse a moment ago): every such presentation is a theft signal
    // worth reporting, and revoking again is a no-op.
    await revokeGrantIn(tx, token.grant_id, at, REUSE_REVOKE_REASON);
    return { status: 'reused' };
  });
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

export async function isAccessTokenRevoked(ctx: StoreContext, jti: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('gatehouse_revoked_access_tokens')
    .select('jti')
    .where('jti', '=', jti)
    .executeTakeFirst();
  return row !== undefined;
}
