import { base64url } from 'jose';

/**
 * Server-provided DPoP nonces at a protected resource (RFC 9449 §9, §8): stateless, so every instance
 * of a resource server that shares the secret accepts every other's. A nonce is
 * `<window>.<HMAC-SHA256(secret, resource + window)>`, the window being the time divided by the
 * lifetime; the current and the previous window are accepted, so a nonce lives one to two lifetimes.
 * The resource identifier is in the MAC: a nonce of another resource server is never accepted here,
 * even under the same secret. Web Crypto only: runs on any web runtime.
 */

export interface DpopNonces {
  /** The nonce to hand out now (`DPoP-Nonce` header). */
  current(): Promise<string>;
  /** Whether `nonce` was handed out by this resource in the current or the previous window. */
  isCurrent(nonce: string): Promise<boolean>;
}

const NONCE = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

/** Compares two strings of public length in time independent of where they differ. */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function createDpopNonces(
  secret: Uint8Array,
  resource: string,
  lifetime: number,
  clock: () => number,
): DpopNonces {
  const key = crypto.subtle.importKey(
    'raw',
    new Uint8Array(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const cache = new Map<number, string>();
  const mac = async (window: number): Promise<string> => {
    let value = cache.get(window);
    if (value === undefined) {
      const data = new TextEncoder().encode(`gatehouse dpop nonce ${resource} ${window}`);
      value = base64url.encode(new Uint8Array(await crypto.subtle.sign('HMAC', await key, data)));
      // Two windows are ever current: keep at most a handful of MACs.
      if (cache.size >= 4) cache.delete(cache.keys().next().value as number);
      cache.set(window, value);
    }
    return value;
  };
  const windowNow = () => Math.floor(clock() / 1000 / lifetime);
  return {
    async current() {
      const window = windowNow();
      return `${window.toString(36)}.${await mac(window)}`;
    },
    async isCurrent(nonce) {
      const match = NONCE.exec(nonce);
      if (!match) return false;
      const window = Number.parseInt(match[1]!, 36);
      const now = windowNow();
      if (window !== now && window !== now - 1) return false;
      return sameString(await mac(window), match[2]!);
    },
  };
}
