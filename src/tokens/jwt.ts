import { type KeyObject, sign, verify } from 'node:crypto';
import type { SigningAlgorithm } from '../config/options.js';
import { isCanonicalCompactJws } from '../resource/compact.js';

/**
 * Compact JWS signing and verification with node:crypto KeyObjects.
 *
 * Signing passes a callback to node:crypto's sign(), which makes it a job on libuv's thread pool: the
 * event loop hands the elliptic-curve arithmetic to another core and carries on with other requests,
 * and a host application's event loop stays free while Gatehouse signs. On the 2-core bench machine
 * that served 34 % more ES256 token responses per second than the synchronous sign() at the same CPU
 * cost per token. WebCrypto's subtle.sign runs the same job but first converts its arguments through
 * WebIDL: 405 k instructions per ES256 signature against 339 k through sign() with a callback
 * (callgrind, docs/benchmarks.md, issue 18). Verification (introspection of our own access tokens)
 * stays synchronous: it is cheaper than signing and needs no queueing.
 * @see RFC 7515 §7.1, RFC 7518 §3.4 (ECDSA signatures in IEEE P1363 form: `dsaEncoding`)
 */

/** node:crypto's digest and signature encoding for `alg` (signing and verification alike). */
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

export function signJwt(
  key: { kid: string; alg: SigningAlgorithm; privateKey: KeyObject },
  typ: string,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = `${encodedHeader(key.alg, key.kid, typ)}.${b64(payload)}`;
  const { digest, dsaEncoding } = verifyArgs(key.alg);
  const signingKey = dsaEncoding ? { key: key.privateKey, dsaEncoding } : key.privateKey;
  return new Promise((resolve, reject) => {
    sign(digest, Buffer.from(input, 'utf8'), signingKey, (error, signature) => {
      if (error) reject(error);
      else resolve(`${input}.${signature.toString('base64url')}`);
    });
  });
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
