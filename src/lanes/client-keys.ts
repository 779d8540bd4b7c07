import type { JSONWebKeySet } from 'jose';
import type { ClientRecord } from '../store/types.js';
import { ASSERTION_ALGORITHMS } from '../tokens/client-assertion.js';
import { checkClientIdUrl } from './cimd/url.js';

/**
 * Where a `private_key_jwt` client's public keys are (RFC 7591 §2 `jwks` / `jwks_uri`; RFC 7523 §2.2),
 * kept in `ClientRecord.metadata.clientKeys` by every lane that can hold a key: preregistered clients
 * (configuration, admin API) and CIMD documents.
 */
export interface ClientKeys {
  jwks?: JSONWebKeySet;
  jwks_uri?: string;
  token_endpoint_auth_signing_alg?: string;
  /**
   * The jwks_uri came from the configuration file: the operator vouches for it, so it may name a
   * private or loopback host (DESIGN.md §4). Anything else goes through the SSRF-safe fetcher.
   */
  trusted?: boolean;
  /**
   * A CIMD document that offers `none` as well: a token request without an assertion is a public
   * client's (PKCE); one with an assertion must verify (the strongest method presented is used).
   */
  acceptsNone?: boolean;
}

/** A key set larger than this is refused (registration, documents, fetched jwks_uri alike). */
export const MAX_JWKS_KEYS = 20;
export const MAX_JWKS_BYTES = 32_768;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export function clientKeysOf(client: ClientRecord): ClientKeys | undefined {
  return client.metadata.clientKeys as ClientKeys | undefined;
}

/** Why `value` is not an acceptable public JWK Set for client authentication, or undefined. */
export function jwksProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'jwks must be an object';
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'jwks must have a non-empty "keys" array';
  if (keys.length > MAX_JWKS_KEYS) return `jwks has more than ${MAX_JWKS_KEYS} keys`;
  if (JSON.stringify(value).length > MAX_JWKS_BYTES) return `jwks is larger than ${MAX_JWKS_BYTES} bytes`;
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || Array.isArray(key))
      return 'every jwks key must be an object';
    const k = key as Record<string, unknown>;
    // RFC 7517 §9.2 (and checklist §1.12 item 23): a published key set holds public keys only.
    if (PRIVATE_MEMBERS.some((m) => m in k)) return 'jwks must contain public keys only';
    // Asymmetric keys only: an "oct" key would be a shared secret.
    if (k.kty !== 'RSA' && k.kty !== 'EC' && k.kty !== 'OKP') return 'jwks keys must be RSA, EC or OKP keys';
    if (k.use !== undefined && k.use !== 'sig') return 'jwks keys must be signature keys (use "sig")';
  }
  return undefined;
}

/** Why `uri` is not an acceptable jwks_uri for a key set that arrives in a request, or undefined. */
export function jwksUriProblem(uri: unknown, allowLoopback: boolean): string | undefined {
  if (typeof uri !== 'string') return 'jwks_uri must be a string';
  // The same rules as a client_id URL (https, no credentials, no query or fragment, a real host).
  const checked = checkClientIdUrl(uri, { allowLoopback });
  return checked.ok ? undefined : checked.reason.replace('the client ID', 'jwks_uri');
}

/** Why `alg` cannot be a token_endpoint_auth_signing_alg here, or undefined. */
export function signingAlgProblem(alg: unknown): string | undefined {
  if (alg === undefined) return undefined;
  if (typeof alg !== 'string' || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg))
    return `token_endpoint_auth_signing_alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}`;
  return undefined;
}
