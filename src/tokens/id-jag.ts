import { decodeJwt, decodeProtectedHeader, type JSONWebKeySet, type JWTVerifyResult } from 'jose';
import type { ResolvedEnterpriseIdp } from '../config/enterprise.js';
import { joseRefusal } from '../resource/jose-refusal.js';
import { ASSERTION_ALGORITHMS, verifyWithKeySet } from './client-assertion.js';

/**
 * Verification of an Identity Assertion JWT Authorization Grant (ID-JAG):
 * draft-ietf-oauth-identity-assertion-authz-grant §3.1 (claims) and §4.4.1 (processing), the MCP
 * enterprise-managed authorization extension §5.1 and §7.4, RFC 7523 §3. Pure: the caller picks the
 * IdP, supplies its keys, and records the `jti`.
 */

/** draft-ietf-oauth-identity-assertion-authz-grant §3.1: the ID-JAG's JOSE `typ`. */
export const ID_JAG_TYP = 'oauth-id-jag+jwt';
/** RFC 7523 §2.1: the grant type an ID-JAG is presented with. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** draft §7.2 / MCP extension §6: the `authorization_grant_profiles_supported` value. */
export const ID_JAG_PROFILE = 'urn:ietf:params:oauth:grant-profile:id-jag';

export class IdJagRefused extends Error {
  constructor(
    message: string,
    /** The key set had no key for the header: worth one re-fetch of the IdP's jwks_uri. */
    readonly unknownKey = false,
  ) {
    super(message);
    this.name = 'IdJagRefused';
  }
}

export interface IdJagClaims {
  iss: string;
  sub: string;
  jti: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  clientId: string;
  resource: string | undefined;
  scope: string | undefined;
  email: string | undefined;
}

/** The unverified `iss`, only to pick which configured IdP's keys to verify with. */
export function peekIssuer(assertion: string): string | undefined {
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === 'string' && iss !== '' ? iss : undefined;
  } catch {
    return undefined;
  }
}

export async function verifyIdJag(
  assertion: string,
  check: { idp: ResolvedEnterpriseIdp; keys: JSONWebKeySet; audience: string; nowMs: number },
): Promise<IdJagClaims> {
  const { idp } = check;
  const algorithms: readonly string[] = idp.algorithms ?? ASSERTION_ALGORITHMS;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw new IdJagRefused('the assertion is not a JWS');
  }
  // MCP extension §7.4.1: an explicit allow-list of (asymmetric) algorithms, never `none`.
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg))
    throw new IdJagRefused(`assertion alg ${String(header.alg)} is not accepted`);
  // draft §3.1: typ is oauth-id-jag+jwt (RFC 8725 §3.11: explicit typing keeps other JWTs out).
  if (header.typ !== ID_JAG_TYP) throw new IdJagRefused(`assertion typ must be ${ID_JAG_TYP}`);
  let result: JWTVerifyResult;
  try {
    result = await verifyWithKeySet(assertion, check.keys, {
      algorithms: [...algorithms],
      typ: ID_JAG_TYP,
      issuer: idp.issuer,
      // MCP extension §7.6.2: aud is this server's issuer identifier.
      audience: check.audience,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
      clockTolerance: idp.clockToleranceS,
      currentDate: new Date(check.nowMs),
    });
  } catch (error) {
    throw describe(error);
  }
  return claimsOf(result.payload, idp, check.nowMs);
}

function claimsOf(p: JWTVerifyResult['payload'], idp: ResolvedEnterpriseIdp, nowMs: number): IdJagClaims {
  const now = Math.floor(nowMs / 1000);
  const { exp, iat, jti, sub } = p;
  if (typeof exp !== 'number' || typeof iat !== 'number') throw new IdJagRefused('exp and iat are required');
  // MCP extension §7.4.2: short-lived, rejected outside its window with minimal skew. A far exp would
  // also outlive the replay cache's point, so the lifetime is bounded both ways.
  if (exp - now > idp.maxLifetimeS + idp.clockToleranceS || exp - iat > idp.maxLifetimeS)
    throw new IdJagRefused(`the assertion lives longer than ${idp.maxLifetimeS} s`);
  if (iat > now + idp.clockToleranceS) throw new IdJagRefused('the assertion iat is in the future');
  if (typeof jti !== 'string' || jti === '' || jti.length > 256)
    throw new IdJagRefused('the assertion jti must be a string of 1-256 characters');
  if (typeof sub !== 'string' || sub === '' || sub.length > 256)
    throw new IdJagRefused('the assertion sub must be a string of 1-256 characters');
  const text = (name: string) => {
    const value = p[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length > 2000) throw new IdJagRefused(`${name} must be a string`);
    return value;
  };
  const clientId = text('client_id');
  if (!clientId) throw new IdJagRefused('the assertion has no client_id');
  return {
    iss: idp.issuer,
    sub,
    jti,
    expiresAt: exp * 1000,
    clientId,
    resource: text('resource'),
    scope: text('scope'),
    email: text('email'),
  };
}

function describe(error: unknown): IdJagRefused {
  if (error instanceof IdJagRefused) return error;
  const { reason, unknownKey } = joseRefusal(error, 'the assertion', "the IdP's key set");
  return new IdJagRefused(reason, unknownKey);
}
