import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hash,
  hkdfSync,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';

// CSPRNG output is drawn 4 KiB at a time (as crypto.randomUUID does) rather than with one call per
// credential: the per-call overhead was 5-6 % of a token request. Each byte is handed out once and
// zeroed as it is taken, so the pool never holds a value that has already been issued.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** base64url of `bytes` random bytes from the CSPRNG. */
export function randomToken(bytes = 32): string {
  if (bytes > POOL_SIZE / 4) return randomBytes(bytes).toString('base64url');
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += bytes;
  const value = pool.toString('base64url', start, poolOffset);
  pool.fill(0, start, poolOffset);
  return value;
}

/** SHA-256 of a high-entropy secret, base64url. Fast hashing is right for ≥128-bit random secrets. */
export function hashSecret(secret: string): string {
  // One-shot crypto.hash (Node ≥ 20.12): no Hash object per client authentication.
  return hash('sha256', secret, 'base64url');
}

/** Constant-time comparison of two strings (lengths are not secret: both sides are fixed-size hashes). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

/** Whether `secret` hashes to `expectedHash`, compared in constant time. */
export function verifySecret(secret: string, expectedHash: string): boolean {
  return safeEqual(hashSecret(secret), expectedHash);
}

/** A 32-byte key for one purpose, derived from the configured secret with HKDF-SHA256. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', purpose, 32));
}

/** AES-256-GCM; output is base64url(iv ‖ tag ‖ ciphertext). */
export function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function decrypt(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** HMAC-SHA256, base64url. */
export function hmac(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('base64url');
}

/**
 * Seals a JSON value with an expiry so it can travel through the browser unchanged: base64url(json).mac.
 * Used for interaction state between /authorize and the hosted pages. Integrity only; holds no secrets.
 */
export function sealState(key: Buffer, value: unknown): string {
  const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${body}.${hmac(key, body)}`;
}

export function openState<T>(key: Buffer, sealed: string): T | undefined {
  const dot = sealed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const body = sealed.slice(0, dot);
  if (!safeEqual(hmac(key, body), sealed.slice(dot + 1))) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
