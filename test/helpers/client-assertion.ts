import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { JWT_BEARER_ASSERTION_TYPE } from '../../src/tokens/client-assertion.js';

/** A private_key_jwt client's key pair and the assertions it signs (RFC 7523 §2.2, §3). */
export interface AssertionSigner {
  /** The public JWK (with kid, alg, use), as it is registered or published. */
  jwk: JWK;
  privateKey: CryptoKey;
  alg: string;
  kid: string;
  /** A signed assertion for `clientId` with audience `aud`; claims and header may be overridden. */
  sign(
    clientId: string,
    aud: string | string[],
    claims?: JWTPayload,
    header?: Record<string, unknown>,
  ): Promise<string>;
  /** Form parameters authenticating `clientId` (client_id included unless `withClientId` is false). */
  params(
    clientId: string,
    aud: string,
    claims?: JWTPayload,
    header?: Record<string, unknown>,
  ): Promise<Record<string, string>>;
}

export async function createSigner(
  alg = 'RS256',
  kid = `key-${crypto.randomUUID()}`,
): Promise<AssertionSigner> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const sign: AssertionSigner['sign'] = async (clientId, aud, claims = {}, header = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: clientId,
      sub: clientId,
      aud,
      jti: crypto.randomUUID(),
      iat: now,
      exp: now + 60,
      ...claims,
    })
      .setProtectedHeader({ alg, kid, ...header })
      .sign(privateKey);
  };
  return {
    jwk,
    privateKey,
    alg,
    kid,
    sign,
    async params(clientId, aud, claims, header) {
      return {
        client_id: clientId,
        client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        client_assertion: await sign(clientId, aud, claims, header),
      };
    },
  };
}

/** An unsigned (alg none) JWT and an HS256 one keyed with the public JWK: algorithm confusion. */
export async function forgedAssertions(
  signer: AssertionSigner,
  clientId: string,
  aud: string,
): Promise<{ none: string; hs256: string }> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: clientId, sub: clientId, aud, jti: crypto.randomUUID(), iat: now, exp: now + 60 };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const none = `${b64({ alg: 'none', kid: signer.kid })}.${b64(claims)}.`;
  const secret = new TextEncoder().encode(JSON.stringify(signer.jwk));
  const hs256 = await new SignJWT({ ...claims, jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'HS256', kid: signer.kid })
    .sign(secret);
  return { none, hs256 };
}
