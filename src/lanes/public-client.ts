import { displayNameProblem, sanitiseDisplayName } from '../display-name.js';

/**
 * What the two open lanes (CIMD documents, DCR registrations) accept from a client that describes
 * itself: a public client using the code flow with PKCE. Shared so both lanes register the same shape.
 */
export interface PublicClientMetadata {
  redirect_uris: string[];
  grant_types: ('authorization_code' | 'refresh_token')[];
  token_endpoint_auth_method: 'none';
  application_type: 'web' | 'native';
  scope?: string;
  client_uri?: string;
  logo_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
  /** RFC 9449 §5.2: the client always uses DPoP; a token request without a proof is refused. */
  dpop_bound_access_tokens?: boolean;
}

export const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

/**
 * A self-asserted display name as it will be stored and shown, or why it is refused: text-direction and
 * C1 controls are refused, other invisible characters stripped (see display-name.ts); at most 100
 * characters.
 */
export function cleanClientName(name: string): { ok: true; name: string } | { ok: false; problem: string } {
  const problem = displayNameProblem(name);
  return problem
    ? { ok: false, problem: `client_name ${problem}` }
    : { ok: true, name: sanitiseDisplayName(name, 100) };
}
