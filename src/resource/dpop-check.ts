import type { AccessToken } from './access-token.js';
import type { BearerRequest } from './bearer.js';
import { DpopProofError, verifyDpopProof } from './dpop.js';
import type { DpopNonces } from './dpop-nonce.js';
import { BearerError } from './errors.js';
import type { ResolvedResourceOptions } from './options.js';

/**
 * DPoP at a protected resource (RFC 9449 §7): a request with `Authorization: DPoP <token>` carries one
 * `DPoP` proof whose key is the token's `cnf.jkt`, made for this request's method and URL, for this
 * token (`ath`), recently (`iat`), and never seen before (`jti`). A DPoP-bound token sent as `Bearer`
 * is refused (§7.2). The URL compared with `htu` is the configured resource's origin plus the request
 * path: behind a proxy the URL this process sees is not the one the client called.
 *
 * The replay cache is in memory, per resource-server instance, and bounded: when it is full the oldest
 * entry is dropped and every proof issued at or before the dropped one's `iat` is refused from then on,
 * so an evicted proof can never be replayed; fresh proofs are unaffected. A proof replayed at another
 * instance of the same resource server within `proofMaxAge` is not detected (docs/enterprise.md).
 */

const DPOP_SCHEME = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i;

const proofError = (description: string, detail?: string) =>
  new BearerError('invalid_dpop_proof', description, { detail, dpop: true });

/** The key a token is bound to (RFC 9449 §6.1 `cnf.jkt`), if any. */
export function boundKey(token: AccessToken): string | undefined {
  const cnf = token.claims.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const jkt = (cnf as { jkt?: unknown }).jkt;
  return typeof jkt === 'string' ? jkt : undefined;
}

/** Whether the request uses the DPoP authentication scheme (RFC 9449 §7.1). */
export function isDpopScheme(authorization: string | null | undefined): boolean {
  return typeof authorization === 'string' && /^dpop(\s|$)/i.test(authorization.trim());
}

/** The access token of an `Authorization: DPoP` header; throws BearerError (invalid_request). */
export function extractDpopToken(request: BearerRequest): string {
  const match = DPOP_SCHEME.exec(request.authorization ?? '');
  if (!match || match[1]!.length > 16_384) {
    throw new BearerError('invalid_request', 'The Authorization header is malformed.', { dpop: true });
  }
  return match[1]!;
}

class ReplayCache {
  readonly #seen = new Map<string, { iat: number; expiresAt: number }>();
  /** Proofs issued at or before this (seconds) are refused: a dropped entry may have been one of them. */
  #floor = Number.NEGATIVE_INFINITY;
  constructor(readonly size: number) {}

  /** Records the proof; false when it was seen before or may have been (at or below the floor). */
  use(key: string, iat: number, expiresAt: number, now: number): boolean {
    if (iat <= this.#floor || this.#seen.has(key)) return false;
    for (const [k, entry] of this.#seen) {
      if (this.#seen.size < this.size && entry.expiresAt > now) break;
      this.#seen.delete(k);
      if (entry.expiresAt > now) this.#floor = Math.max(this.#floor, entry.iat);
    }
    this.#seen.set(key, { iat, expiresAt });
    return true;
  }
}

export type DpopChecker = (request: BearerRequest, raw: string, token: AccessToken) => Promise<void>;

export function createDpopChecker(config: ResolvedResourceOptions, nonces?: DpopNonces): DpopChecker {
  const replay = new ReplayCache(config.dpop.replayCacheSize);
  return async (request, raw, token) => {
    const jkt = boundKey(token);
    // RFC 9449 §7.1: the DPoP scheme is for DPoP-bound tokens only.
    if (jkt === undefined) {
      throw new BearerError('invalid_token', 'The access token is not DPoP-bound: send it as Bearer.', {
        dpop: true,
      });
    }
    const header = request.dpop;
    // §4.3 step 1: exactly one DPoP header (Node joins repeated ones with ", ").
    if (typeof header !== 'string' || header.includes(',')) {
      throw proofError('Send exactly one DPoP proof with a DPoP-bound access token.');
    }
    const path = new URL(request.url ?? '/', 'http://path.invalid').pathname;
    const now = config.clock();
    let proof: Awaited<ReturnType<typeof verifyDpopProof>>;
    try {
      proof = await verifyDpopProof({
        proof: header,
        method: request.method ?? 'GET',
        url: new URL(config.resource).origin + path,
        now,
        maxAge: config.dpop.proofMaxAge,
        clockSkew: config.clockTolerance,
        accessToken: raw,
      });
    } catch (error) {
      if (error instanceof DpopProofError) throw proofError(error.description, error.detail);
      throw error;
    }
    // §4.3 step 12: the proof's key is the one the token is bound to.
    if (proof.jkt !== jkt) throw proofError('The DPoP proof is signed by a key the token is not bound to.');
    // §9: a resource that hands out nonces refuses a proof without a current one, with use_dpop_nonce.
    if (nonces && (proof.nonce === undefined || !(await nonces.isCurrent(proof.nonce)))) {
      throw new BearerError('use_dpop_nonce', 'Resource server requires nonce in DPoP proof.', {
        detail: proof.nonce === undefined ? 'no nonce' : 'stale or unknown nonce',
        dpop: true,
      });
    }
    // §11.1: a proof is used once.
    const expiresAt = (proof.iat + config.dpop.proofMaxAge + 2 * config.clockTolerance) * 1000;
    if (!replay.use(`${proof.jkt} ${proof.jti}`, proof.iat, expiresAt, now)) {
      throw proofError('The DPoP proof was used before (jti).');
    }
  };
}
