import { cleanClientName, isStringArray, type PublicClientMetadata } from '../public-client.js';
import { checkRedirectUri } from '../redirect-uri.js';

/**
 * Validation of a fetched client metadata document (CIMD-01 §4, §4.1; RFC 7591 §2 field meanings).
 * Unknown members are ignored, so documents written for other servers (ChatGPT's, Claude's, Claude
 * Code's) are accepted as long as what this server relies on is sound.
 */
export interface CimdMetadata extends PublicClientMetadata {
  client_name: string;
}

const SHARED_SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

export function validateDocument(
  clientId: string,
  document: unknown,
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
  const method = d.token_endpoint_auth_method ?? 'none';
  if (typeof method !== 'string') return fail('token_endpoint_auth_method must be a string');
  if (SHARED_SECRET_METHODS.has(method))
    return fail(
      `token_endpoint_auth_method ${method} needs a shared secret, which a public document cannot hold`,
    );
  if (method !== 'none')
    return fail(`token_endpoint_auth_method ${method} is not supported here (use "none" with PKCE)`);
  if (d.jwks !== undefined && d.jwks_uri !== undefined)
    return fail('jwks and jwks_uri must not both be present');
  if (hasPrivateKey(d.jwks)) return fail('the document publishes a private key');

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
  const declared = isStringArray(d.grant_types) ? d.grant_types : ['authorization_code'];
  // Grant types this server has no use for (client_credentials, device code, …) are ignored, not fatal.
  const grants = (['authorization_code', 'refresh_token'] as const).filter((g) => declared.includes(g));
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
    token_endpoint_auth_method: 'none',
    application_type: d.application_type === 'native' ? 'native' : 'web',
  };
  if (typeof d.scope === 'string') metadata.scope = d.scope;
  for (const field of ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri'] as const) {
    const value = d[field];
    if (typeof value === 'string' && value.startsWith('https://') && value.length <= 2048)
      metadata[field] = value;
  }
  return { ok: true, metadata };
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
    grant_types: [...metadata.grant_types].sort(),
  });
}
