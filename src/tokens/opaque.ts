import { hashSecret, randomToken, safeEqual } from './crypto.js';

/**
 * Opaque credentials (authorization codes, refresh tokens, sign-in sessions, password resets) are
 * `prefix_id.secret`: the id is the lookup key, only a SHA-256 of the secret is stored, and the secret
 * is compared in constant time. Both halves come from the CSPRNG (128-bit id, 256-bit secret; OAuth 2.1
 * §7.7). The prefix lets secret scanners recognise a leaked Gatehouse credential.
 */
export type OpaqueKind = 'ghc' | 'ghr' | 'ghs' | 'ghp';

export interface OpaqueCredential {
  /** The full value handed to the holder. */
  value: string;
  id: string;
  secretHash: string;
}

export function mintOpaque(kind: OpaqueKind): OpaqueCredential {
  const id = randomToken(16);
  const secret = randomToken(32);
  return { value: `${kind}_${id}.${secret}`, id, secretHash: hashSecret(secret) };
}

export interface ParsedOpaque {
  id: string;
  secret: string;
}

/** Splits a presented credential; undefined when it is not of this kind's shape. */
export function parseOpaque(kind: OpaqueKind, value: string): ParsedOpaque | undefined {
  if (!value.startsWith(`${kind}_`) || value.length > 200) return undefined;
  const rest = value.slice(kind.length + 1);
  const dot = rest.indexOf('.');
  if (dot !== 22 || rest.length !== 22 + 1 + 43) return undefined;
  const id = rest.slice(0, dot);
  const secret = rest.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(id) || !/^[A-Za-z0-9_-]+$/.test(secret)) return undefined;
  return { id, secret };
}

export function matchesSecret(parsed: ParsedOpaque, secretHash: string): boolean {
  return safeEqual(hashSecret(parsed.secret), secretHash);
}
