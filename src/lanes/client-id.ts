import { USER_SUBJECT_PREFIX } from '../subjects.js';

/**
 * The one rule for client_ids an operator chooses (configuration, admin API, dashboard, CLI). A
 * client_credentials access token's `sub` is its client_id, so a chosen client_id must never take a
 * form that means something else here: a user's subject (`usr_…`), another lane's generated ids
 * (`dcr_…`), another kind of Gatehouse credential, or a URL (URL client_ids are CIMD documents and
 * are resolved by fetching them). RFC 9068 §2.2 (`sub` of a client_credentials token), RFC 9700 §4.15
 * (client impersonating a resource owner), CIMD-01 §3 (URL client_ids).
 *
 * `gh_…` (what Gatehouse generates for a preregistered client without a chosen id) stays allowed: it
 * is this lane's own namespace, and a clash is refused as a duplicate.
 */

/** Prefixes of identifiers Gatehouse generates for other kinds of things; compared case-insensitively. */
export const RESERVED_CLIENT_ID_PREFIXES = [
  USER_SUBJECT_PREFIX, // users: the `sub` of every user's tokens (src/users.ts)
  'dcr_', // dynamically registered clients (src/lanes/dcr.ts)
  'grt_', // grants (src/grants/authorization-code.ts)
  'ghc_', // authorization codes (src/tokens/opaque.ts)
  'ghr_', // refresh tokens
  'ghs_', // sign-in sessions
  'ghp_', // password resets
  'ghsec_', // client secrets (src/lanes/preregistered.ts)
] as const;

// RFC 3986 §3.1 scheme, then ":" — "https:", "urn:", "user:" (the audit log's actor form) alike.
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** Why `clientId` cannot be chosen for a client, or undefined when it can. */
export function clientIdProblem(clientId: string): string | undefined {
  if (clientId.length === 0 || clientId.length > 255) return 'must be 1 to 255 characters';
  if (!/^[\x21-\x7e]+$/.test(clientId)) return 'must be visible ASCII characters';
  if (SCHEME.test(clientId) || clientId.startsWith('//'))
    return 'must not be a URL or take the "scheme:" form (URL client_ids are CIMD documents)';
  const lower = clientId.toLowerCase();
  const reserved = RESERVED_CLIENT_ID_PREFIXES.find((p) => lower.startsWith(p));
  if (reserved)
    return `must not start with "${reserved}", which Gatehouse reserves for its own identifiers (a client_credentials token's sub must never look like a user's)`;
  return undefined;
}
