import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyResult,
  jwtVerify,
} from 'jose';
import { joseRefusal } from '../resource/jose-refusal.js';
import { ASYMMETRIC_ALGORITHMS } from '../resource/options.js';

/**
 * Verification of a `private_key_jwt` client assertion (RFC 7523 §2.2 and §3; OpenID Connect Core §9;
 * draft-ietf-oauth-rfc7523bis). Pure: the caller supplies the keys and records the `jti`.
 */

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Asymmetric algorithms only: never `none`, never HS* (a public key used as an HMAC secret). */
export const ASSERTION_ALGORITHMS = ASYMMETRIC_ALGORITHMS;

/** An assertion may not live longer than this (exp − now): a short window bounds the replay cache. */
export const MAX_ASSERTION_LIFETIME_S = 300;
/** Clock skew tolerated on exp, nbf and iat. */
export const ASSERTION_CLOCK_SKEW_S = 60;

export class AssertionRefused extends Error {
  constructor(
    message: string,
    /** The key set had no key for the assertion's header: worth one re-fetch of a jwks_uri. */
    readonly unknownKey = false,
  ) {
    super(message);
    this.name = 'AssertionRefused';
  }
}

/** The unverified `sub` (else `iss`) of an assertion: only to find which client's keys to use. */
export function peekAssertionClientId(assertion: string): string | undefined {
  try {
    const claims = decodeJwt(assertion);
    const id = typeof claims.sub === 'string' ? claims.sub : claims.iss;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

export interface AssertionCheck {
  clientId: string;
  /** Values that identify this server: the issuer and the token endpoint URL (RFC 7523 §3 item 3). */
  audiences: string[];
  /** The client's `token_endpoint_auth_signing_alg`, when it registered one (RFC 7591 §2). */
  algorithm?: string;
  keys: JSONWebKeySet;
  nowMs: number;
}

export interface VerifiedAssertion {
  jti: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export async function verifyClientAssertion(
  assertion: string,
  check: AssertionCheck,
): Promise<VerifiedAssertion> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw new AssertionRefused('client_assertion is not a JWS');
  }
  const allowed: readonly string[] = check.algorithm ? [check.algorithm] : ASSERTION_ALGORITHMS;
  if (typeof header.alg !== 'string' || !allowed.includes(header.alg))
    throw new AssertionRefused(`client_assertion alg ${String(header.alg)} is not accepted`);
  // RFC 9068 §4 / RFC 8725 §3.11: an access token is not a client assertion.
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined;
  if (typ === 'at+jwt' || typ === 'application/at+jwt')
    throw new AssertionRefused('an access token is not a client assertion');
  const options = {
    algorithms: [...allowed],
    issuer: check.clientId,
    subject: check.clientId,
    audience: check.audiences,
    requiredClaims: ['exp', 'jti'],
    clockTolerance: ASSERTION_CLOCK_SKEW_S,
    currentDate: new Date(check.nowMs),
  };
  let result: JWTVerifyResult;
  try {
    result = await verifyWithKeySet(assertion, check.keys, options);
  } catch (error) {
    throw describe(error);
  }
  return checkLifetime(result.payload, check.nowMs);
}

type VerifyOptions = Parameters<typeof jwtVerify>[2];

export async function verifyWithKeySet(
  assertion: string,
  keys: JSONWebKeySet,
  options: VerifyOptions,
): Promise<JWTVerifyResult> {
  const keySet = createLocalJWKSet(keys);
  try {
    return await jwtVerify(assertion, keySet, options);
  } catch (error) {
    // Several keys fit a header without `kid`: try each (the key set is capped, see client-keys.ts).
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    let last: unknown = error;
    for await (const key of error as unknown as AsyncIterable<CryptoKey>) {
      try {
        return await jwtVerify(assertion, key, options);
      } catch (next) {
        last = next;
      }
    }
    throw last;
  }
}

function checkLifetime(payload: JWTPayload, nowMs: number): VerifiedAssertion {
  const now = Math.floor(nowMs / 1000);
  const { exp, iat, jti } = payload;
  if (typeof exp !== 'number') throw new AssertionRefused('client_assertion has no exp');
  // OIDC Core §9 and RFC 7523 §3 item 4: exp bounds the assertion; a far one would defeat the
  // replay cache, which keeps each jti only until exp.
  if (exp - now > MAX_ASSERTION_LIFETIME_S + ASSERTION_CLOCK_SKEW_S)
    throw new AssertionRefused(`client_assertion exp is more than ${MAX_ASSERTION_LIFETIME_S} s away`);
  if (iat !== undefined && iat > now + ASSERTION_CLOCK_SKEW_S)
    throw new AssertionRefused('client_assertion iat is in the future');
  if (typeof jti !== 'string' || jti === '' || jti.length > 256)
    throw new AssertionRefused('client_assertion jti must be a string of 1-256 characters');
  return { jti, expiresAt: exp * 1000 };
}

function describe(error: unknown): AssertionRefused {
  if (error instanceof AssertionRefused) return error;
  const { reason, unknownKey } = joseRefusal(error, 'client_assertion', 'the registered keys');
  return new AssertionRefused(reason, unknownKey);
}
