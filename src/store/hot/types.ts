/**
 * The token endpoint's storage work, written as raw SQL per dialect instead of through Kysely's query
 * builder. Each verb here is one round trip on PostgreSQL (a single statement whose data-modifying CTEs
 * commit together) and one synchronous transaction on SQLite, where the Kysely versions took 4–8
 * statements and as many awaits. Profiles of refresh and code exchange showed the difference: query
 * building, statement preparation and socket writes per statement were the largest costs.
 *
 * Only the common, successful case is fast-pathed where the logic branches (refresh rotation): the
 * compare-and-swap here is the only place a token is rotated; when it does not rotate, nothing was
 * written and the caller's Kysely transaction tells a retry, reuse and invalid apart (../kysely/tokens.ts).
 */

import { capAuditEvent } from '../audit-caps.js';
import type {
  AuditEventInput,
  AuthorizationCodeRecord,
  GrantRecord,
  MatchingCodeRedemption,
  RedemptionAudit,
  RefreshTokenRecord,
  RefreshTokenWithGrant,
  UserRecord,
} from '../records.js';

export interface RedeemCodeInput {
  codeId: string;
  at: number;
  /** The grant the code creates (its id is the code's grantId); revokedAt must be null. */
  grant: GrantRecord;
  /** The grant's first refresh token, when the client may refresh. */
  refreshToken?: RefreshTokenRecord;
  audit: RedemptionAudit;
}

export type RedeemCodeOutcome =
  /** This caller consumed the code and created the grant (and refresh token, audit event). */
  | { status: 'redeemed'; user: UserRecord }
  /** This caller consumed the code, but its user is disabled or gone: nothing else was created. */
  | { status: 'user_inactive' }
  /** Someone consumed the code before: nothing was written. */
  | { status: 'not_consumed' };

export interface HotPath {
  getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined>;
  /** Store.getRefreshTokenWithGrant: the token, its grant and its user, by primary keys, in one statement. */
  getRefreshTokenWithGrant(id: string): Promise<RefreshTokenWithGrant | undefined>;
  getAuthorizationCode(id: string): Promise<AuthorizationCodeRecord | undefined>;
  getGrant(id: string): Promise<GrantRecord | undefined>;
  /**
   * Rotates `id` to `successor` when `id` is live, unrotated and unexpired, belongs to the successor's
   * grant and client, and the grant is not revoked: returns the grant. Otherwise writes nothing and
   * returns undefined.
   */
  rotateIfFresh(id: string, successor: RefreshTokenRecord, at: number): Promise<GrantRecord | undefined>;
  /** Consumes the code and, if its user is active, creates the grant, all in one transaction. */
  redeemCode(input: RedeemCodeInput): Promise<RedeemCodeOutcome>;
  /** Store.redeemMatchingCode. */
  redeemMatchingCode(input: MatchingCodeRedemption): Promise<MatchingCodeOutcome | undefined>;
}

export interface MatchingCodeOutcome {
  code: AuthorizationCodeRecord;
  user: UserRecord | undefined;
}

/** The audit event of a redemption, the same on every path (REDEEM_MATCHING builds it in SQL too). */
export const REDEEMED_AUDIT_TYPE = 'token.issued';
export function redemptionAuditValues(
  grant: { id: string; clientId: string; userId: string },
  audit: RedemptionAudit,
  at: number,
): unknown[] {
  return auditValues(
    {
      type: REDEEMED_AUDIT_TYPE,
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

export function grantValues(g: GrantRecord): unknown[] {
  return [g.id, g.userId, g.clientId, g.scope, g.resource, g.sessionId, g.authTime, g.createdAt];
}

export function auditValues(event: AuditEventInput, at: number): unknown[] {
  const row = capAuditEvent(event);
  return [at, row.type, row.client_id, row.user_id, row.actor, row.ip, row.user_agent, row.detail];
}

export function checkRedeemInput(input: RedeemCodeInput): void {
  if (input.grant.revokedAt !== null) throw new Error('redeemCode: the new grant must not be revoked');
  if (input.refreshToken && input.refreshToken.grantId !== input.grant.id) {
    throw new Error('redeemCode: the refresh token must belong to the grant being created');
  }
}
