import { type JsonWebKey, type KeyObject, verify, webcrypto } from 'node:crypto';
import type { SigningAlgorithm } from '../config/options.js';
import { isCanonicalCompactJws } from '../resource/compact.js';

/**
 * Compact JWS signing (WebCrypto) and verification (node:crypto KeyObjects).
 *
 * Signing goes through WebCrypto because Node runs its sign jobs on the libuv thread pool: the event
 * loop hands the elliptic-curve arithmetic to another core and carries on with other requests. On the
 * 2-core bench machine that served 34 % more ES256 token responses per second than node:crypto's
 * synchronous sign() at the same CPU cost per token (docs/benchmarks.md), and it keeps a host
 * application's event loop free while Gatehouse signs. Verification (introspection of our own access
 * tokens) stays synchronous: it is cheaper than signing and needs no queueing.
 * @see RFC 7515 §7.1, RFC 7518 §3.4 (ECDSA signatures in IEEE P1363 form, which WebCrypto produces)
 */

const { subtle } = webcrypto;

const IMPORT_PARAMS = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
} as const;

const SIGN_PARAMS = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  EdDSA: { name: 'Ed25519' },
} as const;

/** A private JWK as a non-extractable WebCrypto signing key for `alg`. */
export function importSigningKey(alg: SigningAlgorithm, privateJwk: JsonWebKey): Promise<CryptoKey> {
  return subtle.importKey('jwk', privateJwk, IMPORT_PARAMS[alg], false, ['sign']);
}

function verifyArgs(alg: SigningAlgorithm): { digest: string | null; dsaEncoding?: 'ieee-p1363' } {
  switch (alg) {
    case 'ES256':
      return { digest: 'sha256', dsaEncoding: 'ieee-p1363' };
    case 'RS256':
      return { digest: 'sha256' };
    case 'EdDSA':
      return { digest: null };
  }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

// The encoded header depends only on the key and typ: encode it once per pair.
const headers = new Map<string, string>();
function encodedHeader(alg: SigningAlgorithm, kid: string, typ: string): string {
  const cacheKey = `${alg} ${typ} ${kid}`;
  let header = headers.get(cacheKey);
  if (header === undefined) {
    if (headers.size >= 64) headers.clear();
    header = b64({ alg, typ, kid });
    headers.set(cacheKey, header);
  }
  return header;
}

export async function signJwt(
  key: { kid: string; alg: SigningAlgorithm; signer: Promise<CryptoKey> },
  typ: string,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = `${encodedHeader(key.alg, key.kid, typ)}.${b64(payload)}`;
  const signature = await subtle.sign(SIGN_PARAMS[key.alg], await key.signer, Buffer.from(input, 'utf8'));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

export interface DecodedJwt {
  header: { alg?: unknown; typ?: unknown; kid?: unknown; [k: string]: unknown };
  payload: Record<string, unknown>;
}

/**
 * Verifies a compact JWS against the key its `kid` names, requiring that key's algorithm exactly
 * (no `none`, no algorithm substitution). Returns undefined on any failure; checks no claims.
 */
export function verifyJwt(
  token: string,
  findKey: (kid: string) => { alg: SigningAlgorithm; publicKey: KeyObject } | undefined,
): DecodedJwt | undefined {
  // Buffer's base64url decoding skips stray characters and bits: only the canonical spelling verifies.
  if (token.length > 8192 || !isCanonicalCompactJws(token)) return undefined;
  const parts = token.split('.');
  const [h, p, s] = parts as [string, string, string];
  let decoded: DecodedJwt;
  try {
    decoded = {
      header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
      payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
    };
  } catch {
    return undefined;
  }
  if (typeof decoded.header !== 'object' || decoded.header === null) return undefined;
  if (typeof decoded.payload !== 'object' || decoded.payload === null) return undefined;
  const { kid, alg } = decoded.header;
  if (typeof kid !== 'string') return undefined;
  const key = findKey(kid);
  if (!key || alg !== key.alg) return undefined;
  const { digest, dsaEncoding } = verifyArgs(key.alg);
  const ok = verify(
    digest,
    Buffer.from(`${h}.${p}`, 'utf8'),
    dsaEncoding ? { key: key.publicKey, dsaEncoding } : key.publicKey,
    Buffer.from(s, 'base64url'),
  );
  return ok ? decoded : undefined;
}
