import type { GrantRecord, RefreshSwap, Store, SuccessorToken } from '../store/types.js';
import { revokeReplayedGrant } from './replay.js';

/**
 * Refresh-token rotation: the store swaps the presented token for its successor (compare-and-swap,
 * Store.rotateRefreshToken); when it did not, this decides, on the state the swap returned, whether the
 * presentation is a retry, reuse or simply invalid. The one place that decision is made.
 *
 * A token has exactly one possible successor (issue.ts `successorRefreshToken`), so a family never
 * branches. Presenting a rotated token again within the retry window (tokens.refreshTokenGracePeriod,
 * 600 s by default: a client whose response was lost to a crash or a network failure, concurrent
 * refreshes) while that successor is still unused is a retry and gets the same successor; after the
 * window, or once the successor has been used, it is reuse, and the grant is revoked at once (replay.ts;
 * OAuth 2.1 §4.3.1; RFC 9700 §4.14.2). The FAPI 2.0 Security Profile asks exactly this of rotation.
 */

export type RotationVerdict =
  /** This caller rotated the token: the successor is stored. `grant` is the token's (active) grant. */
  | { status: 'rotated'; grant: GrantRecord }
  /** Rotated moments ago to this very successor, still unused: hand it out again. Nothing was written. */
  | { status: 'retried'; grant: GrantRecord }
  /** Rotated before the retry window, or its successor has been used or differs: the grant is revoked. */
  | { status: 'reused'; grantId: string }
  /** Missing, revoked, expired, or its grant is revoked. */
  | { status: 'invalid' };

const INVALID: RotationVerdict = { status: 'invalid' };

/** Tells a swap that did not happen apart: retry, reuse or invalid (a pure function of the state). */
export function classifyRotation(
  swap: RefreshSwap | undefined,
  successor: SuccessorToken,
  at: number,
  graceMs: number,
): RotationVerdict {
  if (!swap) return INVALID;
  if (swap.swapped) return { status: 'rotated', grant: swap.grant };
  const { token, successor: stored, grant } = swap;
  if (token.expiresAt <= at) return INVALID;
  // Not rotated, yet not swapped: the token or its grant is revoked.
  if (token.rotatedAt === null) return INVALID;
  // graceMs = 0 means no grace at all, even for a caller whose clock reads the same millisecond.
  const inGrace = graceMs > 0 && at - token.rotatedAt <= graceMs;
  const isItsSuccessor = stored?.grantId === token.grantId && stored.secretHash === successor.secretHash;
  if (inGrace && isItsSuccessor && stored.rotatedAt === null) {
    if (stored.revokedAt !== null || stored.expiresAt <= at || !grant) return INVALID;
    return { status: 'retried', grant };
  }
  return { status: 'reused', grantId: token.grantId };
}

/**
 * Rotates refresh token `id` to `successor` at `at`: one compare-and-swap, then the decision above; on
 * reuse the grant is revoked before this returns.
 */
export async function rotateRefreshToken(
  store: Pick<Store, 'rotateRefreshToken' | 'revokeGrant'>,
  id: string,
  successor: SuccessorToken,
  at: number,
  graceMs: number,
): Promise<RotationVerdict> {
  const verdict = classifyRotation(await store.rotateRefreshToken(id, successor, at), successor, at, graceMs);
  if (verdict.status === 'reused') await revokeReplayedGrant(store, 'refresh_token', verdict.grantId, at);
  return verdict;
}
