import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { accessTokenHash } from '../../src/resource/dpop.js';

/** A DPoP key of a test client (RFC 9449 §4): its public JWK, thumbprint, and a proof maker. */
export interface DpopKey {
  jwk: JWK;
  jkt: string;
  proof(claims: ProofClaims, header?: Record<string, unknown>): Promise<string>;
}

export interface ProofClaims {
  htm: string;
  htu: string;
  /** The access token the proof goes with (sets ath). */
  accessToken?: string;
  nonce?: string;
  /** Seconds since the epoch. @default now. A string is sent as it is (a malformed proof). */
  iat?: number | string;
  jti?: string;
  [claim: string]: unknown;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    jwk,
    jkt,
    async proof(claims, header = {}) {
      const { accessToken, iat, jti, ...rest } = claims;
      const payload: Record<string, unknown> = { ...rest, jti: jti ?? randomUUID() };
      if (accessToken !== undefined) payload.ath = await accessTokenHash(accessToken);
      if (typeof iat === 'string') payload.iat = iat;
      const jwt = new SignJWT(payload).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...header });
      if (typeof iat !== 'string') jwt.setIssuedAt(iat ?? Math.floor(Date.now() / 1000));
      return jwt.sign(privateKey);
    },
  };
}

/** A JWT with any header and payload and a junk or HMAC signature (alg none, HS256 attacks). */
export function unsignedJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = '',
): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc(header)}.${enc(payload)}.${signature}`;
}
