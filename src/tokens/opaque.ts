import { createHmac } from 'node:crypto';
import { hashSecret, randomToken, safeEqual } from './crypto.js';

/**
 * Opaque credentials (authorization codes, refresh tokens, sign-in sessions, password resets, e-mail verifications) are
 * `prefix_id.secret`: the id is the lookup key, only a SHA-256 of the secret is stored, and the secret
 * is compared in constant time. Both halves come from the CSPRNG (128-bit id, 256-bit secret; OAuth 2.1
 * §7.7). The prefix lets secret scanners recognise a leaked Gatehouse credential.
 */
export type OpaqueKind = 'ghc' | 'ghr' | 'ghs' | 'ghp' | 'ghv';

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

/**
 * The one successor a presented credential can have: `id` and `secret` are HMAC-SHA256 of the parent's
 * id (for the id) and of its id and secret (for the secret) under a server key, so presenting the same
 * parent again yields the very same successor, which is what lets a refresh retried after a lost
 * response get back the token it missed instead of a second, independent one (refresh-token.ts).
 * Sound because only a holder of the parent secret (checked against its hash first) can ask, and
 * without the server key the successor cannot be computed from the parent: it is as unpredictable as
 * a random one to anyone else. The id depends on the parent id alone, so it is one fixed row per parent.
 */
export function deriveOpaque(kind: OpaqueKind, key: Buffer, parent: ParsedOpaque): OpaqueCredential {
  const mac = (label: string, data: string) => createHmac('sha256', key).update(`${label}\0${data}`);
  const id = mac('id', parent.id).digest().subarray(0, 16).toString('base64url');
  const secret = mac('secret', `${parent.id}.${parent.secret}`).digest('base64url');
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
