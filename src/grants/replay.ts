import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Store } from '../store/types.js';

/**
 * Replay handling, in one place: a spent credential presented again, with everything else about the
 * request valid, means two parties hold it, so the grant it created is revoked at once.
 * - An authorization code used more than once: the request is denied and the tokens issued from the
 *   code are revoked (RFC 6749 §4.1.2, §10.5; OAuth 2.1 §4.1.3; RFC 9700 §4.2.4).
 * - A rotated refresh token presented again outside the retry window, or once its successor was used
 *   (refresh-rotation.ts decides which): the grant is revoked (OAuth 2.1 §4.3.1; RFC 9700 §4.14.2).
 */

export type ReplayKind = 'authorization_code' | 'refresh_token';

/** The reason recorded on a grant revoked for a replay. */
export const REPLAY_REVOKE_REASON: Record<ReplayKind, string> = {
  authorization_code: 'authorization code replayed',
  refresh_token: 'refresh_token_reuse',
};

const AUDIT_TYPE: Record<ReplayKind, string> = {
  authorization_code: 'token.code_replayed',
  refresh_token: 'token.refresh_reused',
};

const DESCRIPTION: Record<ReplayKind, string> = {
  authorization_code: 'the authorization code has already been used',
  refresh_token: 'the refresh token was already used; the grant has been revoked',
};

/**
 * Revokes the grant of a replayed credential (with every refresh token of it). Idempotent, and done even
 * if the grant is revoked already, so every replay is treated as one.
 */
export async function revokeReplayedGrant(
  store: Pick<Store, 'revokeGrant'>,
  kind: ReplayKind,
  grantId: string,
  at: number,
): Promise<void> {
  await store.revokeGrant(grantId, at, REPLAY_REVOKE_REASON[kind]);
}

/** Records the replay (a theft signal worth an audit event) and returns the error for the client. */
export async function replayRefused(
  ctx: Context,
  req: RequestInfo,
  kind: ReplayKind,
  replay: { clientId: string; grantId: string; userId?: string },
): Promise<OAuthError> {
  await ctx.audit(
    {
      type: AUDIT_TYPE[kind],
      clientId: replay.clientId,
      ...(replay.userId === undefined ? {} : { userId: replay.userId }),
      detail: { grantId: replay.grantId },
    },
    req,
  );
  return new OAuthError('invalid_grant', DESCRIPTION[kind]);
}
