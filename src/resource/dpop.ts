import { base64url, calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { isCanonicalCompactJws } from './compact.js';
import { joseRefusal } from './jose-refusal.js';
import { ASYMMETRIC_ALGORITHMS } from './options.js';

/**
 * DPoP proof checking (RFC 9449 §4.3), shared by the authorization server's token endpoint and by
 * `gatehouse/resource`. Pure: what is replayed (jti) and which nonces are current is decided by the
 * caller, which keeps its own replay cache (RFC 9449 §11.1). No Buffer: runs on any web runtime.
 */

/**
 * Asymmetric JWS algorithms accepted on proofs; never `none` or HMAC (RFC 9449 §4.3 step 5): the one
 * asymmetric list, shared with client assertions and access-token verification (./options.ts).
 */
export const DPOP_ALGORITHMS: readonly string[] = ASYMMETRIC_ALGORITHMS;

/** JWK members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_PROOF_LENGTH = 8_192;
const MAX_JTI_LENGTH = 256;

export class DpopProofError extends Error {
  readonly description: string;
  readonly detail: string | undefined;
  constructor(description: string, detail?: string, cause?: unknown) {
    super(description, { cause });
    this.name = 'DpopProofError';
    this.description = description;
    this.detail = detail;
  }
}

export interface DpopProofInput {
  /** The one `DPoP` header value. */
  proof: string;
  /** The request's method (`htm`). */
  method: string;
  /** The request's absolute URL (`htu` is compared without query and fragment). */
  url: string;
  /** Milliseconds since the epoch. */
  now: number;
  /** How old (seconds) a proof's `iat` may be. */
  maxAge: number;
  /** How far (seconds) `iat` may be ahead of this clock. */
  clockSkew: number;
  /** The access token the proof goes with: `ath` must be its hash (RFC 9449 §4.3 step 11). */
  accessToken?: string;
  algorithms?: readonly string[];
}

export interface VerifiedDpopProof {
  /** The JWK SHA-256 thumbprint of the proof's key (RFC 7638; RFC 9449 §6.1 `cnf.jkt`). */
  jkt: string;
  jti: string;
  /** Seconds since the epoch. */
  iat: number;
  nonce: string | undefined;
}

/**
 * `htu` in the form compared (RFC 9449 §4.3 step 9: without query and fragment; syntax- and
 * scheme-based normalisation of RFC 3986 §6.2.2 and §6.2.3): lower-case scheme and host, no default
 * port, dot segments removed, percent-encodings upper-case and unreserved characters decoded. An
 * unparseable value, or one that is not http(s) or carries credentials, has no form (never matches).
 */
export function normaliseHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    return undefined;
  }
  const path = url.pathname.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => {
    const c = String.fromCharCode(Number.parseInt(hex, 16));
    return /^[A-Za-z0-9\-._~]$/.test(c) ? c : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}

/** Whether a proof's `htu` names `requestUrl` (RFC 9449 §4.3 step 9). */
export function htuMatches(htu: string, requestUrl: string): boolean {
  const a = normaliseHtu(htu);
  return a !== undefined && a === normaliseHtu(requestUrl);
}

/** base64url(SHA-256(ASCII(token))): the `ath` of a proof sent with `token` (RFC 9449 §4.2). */
export async function accessTokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return base64url.encode(new Uint8Array(digest));
}

function checkHeader(proof: string, algorithms: readonly string[]): Record<string, unknown> {
  if (proof.length > MAX_PROOF_LENGTH || !isCanonicalCompactJws(proof)) {
    throw new DpopProofError('The DPoP proof is not a well-formed JWT.', 'not a canonical compact JWS');
  }
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(proof) as Record<string, unknown>;
  } catch (error) {
    throw new DpopProofError('The DPoP proof is not a well-formed JWT.', 'header does not decode', error);
  }
  // §4.3 step 4: typ is exactly dpop+jwt.
  if (header.typ !== 'dpop+jwt') throw new DpopProofError('The DPoP proof must have typ "dpop+jwt".');
  // §4.3 step 5: an asymmetric algorithm this server supports; never none or HMAC.
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new DpopProofError(`The DPoP proof's algorithm is not one of: ${algorithms.join(' ')}.`);
  }
  // §4.3 step 7: the jwk header is a public key.
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new DpopProofError('The DPoP proof must carry its public key in the "jwk" header.');
  }
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) {
    throw new DpopProofError('The DPoP proof\'s "jwk" must not hold a private or symmetric key.');
  }
  return jwk as Record<string, unknown>;
}

function checkClaims(payload: Record<string, unknown>, input: DpopProofInput): void {
  const { jti, htm, htu, iat } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw new DpopProofError('The DPoP proof needs a "jti" of 1 to 256 characters.');
  }
  // §4.3 step 8: htm is the request's method.
  if (htm !== input.method) throw new DpopProofError('The DPoP proof was made for another HTTP method.');
  // §4.3 step 9: htu is the request's URI, without query and fragment.
  if (typeof htu !== 'string' || !htuMatches(htu, input.url)) {
    throw new DpopProofError('The DPoP proof was made for another URL.', `htu ${String(htu)}`);
  }
  // §4.3 step 11 and §11.1: iat within a window around now (the replay cache keeps jti that long).
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    throw new DpopProofError('The DPoP proof needs "iat".');
  const now = input.now / 1000;
  if (iat > now + input.clockSkew) throw new DpopProofError('The DPoP proof is issued in the future.');
  if (iat < now - input.maxAge - input.clockSkew) throw new DpopProofError('The DPoP proof is too old.');
  if (payload.nonce !== undefined && typeof payload.nonce !== 'string') {
    throw new DpopProofError('The DPoP proof\'s "nonce" must be a string.');
  }
}

/**
 * Checks a proof: form, typ, algorithm, a public `jwk` whose key made the signature (a proof signed by
 * another key fails here), htm, htu, iat, and `ath` when an access token goes with it. Throws
 * DpopProofError (the caller's `invalid_dpop_proof`). Replay and nonce are the caller's.
 */
export async function verifyDpopProof(input: DpopProofInput): Promise<VerifiedDpopProof> {
  const algorithms = input.algorithms ?? DPOP_ALGORITHMS;
  const jwk = checkHeader(input.proof, algorithms);
  let payload: Record<string, unknown>;
  try {
    // §4.3 step 6: the signature verifies with the key of the jwk header.
    ({ payload } = await jwtVerify(input.proof, EmbeddedJWK, {
      algorithms: [...algorithms],
      typ: 'dpop+jwt',
    }));
  } catch (error) {
    // jose also checks iat (a number) and exp (not past) here: say which one failed, not "signature".
    const { reason } = joseRefusal(error, 'DPoP proof', 'its "jwk"');
    throw new DpopProofError(`The ${reason}.`, String(error), error);
  }
  checkClaims(payload, input);
  if (input.accessToken !== undefined && payload.ath !== (await accessTokenHash(input.accessToken))) {
    throw new DpopProofError('The DPoP proof was made for another access token ("ath").');
  }
  const jkt = await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0], 'sha256');
  return {
    jkt,
    jti: payload.jti as string,
    iat: payload.iat as number,
    nonce: payload.nonce as string | undefined,
  };
}
