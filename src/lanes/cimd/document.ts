import type { JSONWebKeySet } from 'jose';
import { RFC7591_DEFAULT_GRANT_TYPES } from '../../config/client-defaults.js';
import { JWT_BEARER_GRANT } from '../../tokens/id-jag.js';
import { type ClientKeys, jwksProblem, jwksUriProblem, signingAlgProblem } from '../client-keys.js';
import { cleanClientName, isStringArray, type PublicClientMetadata } from '../public-client.js';
import { checkRedirectUri } from '../redirect-uri.js';

/**
 * Validation of a fetched client metadata document (CIMD-01 §4, §4.1; RFC 7591 §2 field meanings).
 * Unknown members are ignored, so documents written for other servers (ChatGPT's, Claude's, Claude
 * Code's) are accepted as long as what this server relies on is sound.
 */
export interface CimdMetadata
  extends Omit<PublicClientMetadata, 'token_endpoint_auth_method' | 'grant_types'> {
  client_name: string;
  /** The code flow, and the ID-JAG grant when the document lists its URN (src/grants/id-jag.ts). */
  grant_types: ('authorization_code' | 'refresh_token' | typeof JWT_BEARER_GRANT)[];
  /** `private_key_jwt` when the document offers it with keys (the strongest method), else `none`. */
  token_endpoint_auth_method: 'none' | 'private_key_jwt';
  /** Where the keys are, when the method is private_key_jwt (and whether `none` is offered too). */
  keys?: ClientKeys;
}

type AuthChoice = { method: 'none' | 'private_key_jwt'; keys?: ClientKeys } | { problem: string };

const SHARED_SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

export function validateDocument(
  clientId: string,
  document: unknown,
  options: { allowLoopback: boolean } = { allowLoopback: false },
): { ok: true; metadata: CimdMetadata } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return fail('the document is not a JSON object');
  const d = document as Record<string, unknown>;
  // CIMD-01 §4.1: client_id MUST equal the URL the document was fetched from, by simple string comparison.
  if (d.client_id !== clientId)
    return fail('the document\'s "client_id" is not exactly the URL it was fetched from');
  // CIMD-01 §4.1: no shared secrets in a public document.
  if (d.client_secret !== undefined || d.client_secret_expires_at !== undefined) {
    return fail('the document must not contain a client_secret');
  }
  if (d.jwks !== undefined && d.jwks_uri !== undefined)
    return fail('jwks and jwks_uri must not both be present');
  if (hasPrivateKey(d.jwks)) return fail('the document publishes a private key');
  const auth = chooseAuthMethod(d, options.allowLoopback);
  if ('problem' in auth) return fail(auth.problem);

  if (typeof d.client_name !== 'string') return fail('the document has no client_name');
  // RFC 7591 §5, RFC 9700 §4.15: the name is shown to people and must not be able to disguise itself.
  const clientName = cleanClientName(d.client_name);
  if (!clientName.ok) return fail(`the document's ${clientName.problem}`);
  if (clientName.name === '') return fail('the document has no client_name');
  if (!isStringArray(d.redirect_uris) || d.redirect_uris.length === 0)
    return fail('the document has no redirect_uris');
  if (d.redirect_uris.length > 20) return fail('the document lists more than 20 redirect_uris');
  for (const uri of d.redirect_uris) {
    // Every redirect URI is https or loopback http (MCP security considerations, "Open Redirection").
    const problem = checkRedirectUri(uri, { allowCustomSchemes: false });
    if (problem) return fail(`redirect URI ${uri} ${problem}`);
  }
  const declared = isStringArray(d.grant_types) ? d.grant_types : RFC7591_DEFAULT_GRANT_TYPES;
  // Grant types this server has no use for (client_credentials, device code, …) are ignored, not fatal.
  // The ID-JAG grant (MCP enterprise-managed authorization §5) only when listed by its URN (RFC 7591 §2).
  const grants = (['authorization_code', 'refresh_token', JWT_BEARER_GRANT] as const).filter((g) =>
    declared.includes(g),
  );
  if (!grants.includes('authorization_code'))
    return fail('the document does not declare the authorization_code grant');
  const responseTypes = d.response_types;
  if (responseTypes !== undefined && (!isStringArray(responseTypes) || !responseTypes.includes('code'))) {
    return fail('response_types must include "code"');
  }
  const metadata: CimdMetadata = {
    client_name: clientName.name,
    redirect_uris: [...new Set(d.redirect_uris)],
    grant_types: grants,
    token_endpoint_auth_method: auth.method,
    application_type: d.application_type === 'native' ? 'native' : 'web',
  };
  if (auth.keys) metadata.keys = auth.keys;
  if (typeof d.scope === 'string') metadata.scope = d.scope;
  // RFC 9449 §5.2: only `true` changes anything (every token request then needs a DPoP proof).
  if (d.dpop_bound_access_tokens === true) metadata.dpop_bound_access_tokens = true;
  for (const field of ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri'] as const) {
    const value = d[field];
    if (typeof value === 'string' && value.startsWith('https://') && value.length <= 2048)
      metadata[field] = value;
  }
  return { ok: true, metadata };
}

/**
 * The methods a document offers: `token_endpoint_auth_method` (default `none`) and, as ChatGPT's
 * generic document does, `token_endpoint_auth_methods_supported`. Shared secrets are refused (CIMD-01
 * §4.1: a public document cannot hold one); `private_key_jwt` needs `jwks` or `jwks_uri` (CIMD -02
 * PR #68: then RFC 7523 client authentication is required). When `none` is offered too, both are kept:
 * the token endpoint uses the strongest method the request presents (docs/cimd.md).
 */
function chooseAuthMethod(d: Record<string, unknown>, allowLoopback: boolean): AuthChoice {
  const declared = d.token_endpoint_auth_method ?? 'none';
  if (typeof declared !== 'string') return { problem: 'token_endpoint_auth_method must be a string' };
  if (SHARED_SECRET_METHODS.has(declared))
    return {
      problem: `token_endpoint_auth_method ${declared} needs a shared secret, which a public document cannot hold`,
    };
  if (declared !== 'none' && declared !== 'private_key_jwt')
    return {
      problem: `token_endpoint_auth_method ${declared} is not supported here (use "none" with PKCE, or "private_key_jwt")`,
    };
  const listed = isStringArray(d.token_endpoint_auth_methods_supported)
    ? d.token_endpoint_auth_methods_supported
    : [];
  const offers = new Set([declared, ...listed.filter((m) => m === 'none' || m === 'private_key_jwt')]);
  const hasKeys = d.jwks !== undefined || d.jwks_uri !== undefined;
  if (!offers.has('private_key_jwt') || (!hasKeys && declared === 'none')) return { method: 'none' };
  if (!hasKeys) return { problem: 'private_key_jwt needs jwks or jwks_uri' };
  const problem =
    (d.jwks !== undefined ? jwksProblem(d.jwks) : jwksUriProblem(d.jwks_uri, allowLoopback)) ??
    signingAlgProblem(d.token_endpoint_auth_signing_alg);
  if (problem) return { problem };
  const keys: ClientKeys = {};
  if (d.jwks !== undefined) keys.jwks = d.jwks as JSONWebKeySet;
  else keys.jwks_uri = d.jwks_uri as string;
  if (typeof d.token_endpoint_auth_signing_alg === 'string')
    keys.token_endpoint_auth_signing_alg = d.token_endpoint_auth_signing_alg;
  if (offers.has('none')) keys.acceptsNone = true;
  return { method: 'private_key_jwt', keys };
}

function hasPrivateKey(jwks: unknown): boolean {
  if (typeof jwks !== 'object' || jwks === null) return false;
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return false;
  return keys.some(
    (k) => typeof k === 'object' && k !== null && ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in k),
  );
}

/** The parts of a document whose change must not silently extend existing authorizations. */
export function securityRelevant(metadata: CimdMetadata): string {
  return JSON.stringify({
    redirect_uris: [...metadata.redirect_uris].sort(),
    token_endpoint_auth_method: metadata.token_endpoint_auth_method,
    // Who can authenticate as the client: a new key location (or dropping `none`) is a change of
    // identity; a rotation inside the same jwks_uri is not.
    jwks_uri: metadata.keys?.jwks_uri ?? null,
    accepts_none: metadata.keys?.acceptsNone ?? null,
    grant_types: [...metadata.grant_types].sort(),
  });
}
