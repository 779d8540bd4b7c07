/**
 * The token endpoint's storage verbs, written as raw SQL per dialect instead of through Kysely's query
 * builder: they are THE implementation of these Store verbs for each backend (there is no Kysely
 * version). Each write verb is one round trip on PostgreSQL (a single statement whose data-modifying
 * CTEs commit together) and one synchronous transaction on SQLite; profiles of refresh and code
 * exchange showed that query building, statement preparation and socket writes per statement were the
 * largest costs of the 4–8 statement versions these replaced.
 *
 * The statements consume, swap and return state; their WHERE clauses hold the key and the condition that
 * makes them atomic (unconsumed; live), never a value the client presented. What matches, and what a
 * failed swap means, is decided in TypeScript (src/grants/code-checks.ts, src/grants/refresh-rotation.ts).
 */

import { capAuditEvent } from '../audit-caps.js';
import type { AuditEventInput, GrantRecord, RefreshTokenRecord, Store } from '../types.js';

export type RedeemCodeInput = Parameters<Store['redeemAuthorizationCode']>[0];

/** The verbs each backend implements here, and only here. */
export type HotPath = Pick<
  Store,
  | 'getRefreshToken'
  | 'getRefreshTokenWithGrant'
  | 'getAuthorizationCode'
  | 'getGrant'
  | 'rotateRefreshToken'
  | 'redeemAuthorizationCode'
>;

/** The audit event of a redemption (Store.redeemAuthorizationCode), built here for both dialects. */
export function redemptionAuditValues(input: RedeemCodeInput): unknown[] {
  const { grant, audit, at } = input;
  return auditValues(
    {
      type: 'token.issued',
      clientId: grant.clientId,
      userId: grant.userId,
      ip: audit.ip,
      userAgent: audit.userAgent,
      detail: { grant_type: 'authorization_code', grantId: grant.id },
    },
    at,
  );
}

/** The columns a refresh-token insert writes, in the order both dialects' statements bind them. */
export function refreshValues(t: RefreshTokenRecord): unknown[] {
  return [t.id, t.secretHash, t.grantId, t.clientId, t.scope, t.resource, t.createdAt, t.expiresAt];
}

/** The grant row, in the order both dialects' statements bind it: the one place a grant row is built. */
export function grantValues(g: GrantRecord): unknown[] {
  return [
    g.id,
    g.userId,
    g.clientId,
    g.scope,
    g.resource,
    g.sessionId,
    g.authTime,
    g.createdAt,
    g.clientAuthMethod ?? null,
  ];
}

function auditValues(event: AuditEventInput, at: number): unknown[] {
  const row = capAuditEvent(event);
  return [at, row.type, row.client_id, row.user_id, row.actor, row.ip, row.user_agent, row.detail];
}

/** The invariants of a redemption's input (programming errors, not client mistakes). */
export function checkRedeemInput(input: RedeemCodeInput): void {
  if (input.grant.revokedAt !== null) throw new Error('redeemCode: the new grant must not be revoked');
  if (input.refreshToken && input.refreshToken.grantId !== input.grant.id) {
    throw new Error('redeemCode: the refresh token must belong to the grant being created');
  }
}
