import { RFC7591_DEFAULT_GRANT_TYPES } from '../config/client-defaults.js';
import type { ResolvedConfig, ResolvedResource } from '../config/resolve.js';
import { OAuthError } from '../errors.js';
import type { ClientRecord } from '../store/types.js';
import { hmac } from '../tokens/crypto.js';
import { cleanClientName, isStringArray, type PublicClientMetadata } from './public-client.js';
import { checkRedirectUri } from './redirect-uri.js';

/**
 * Lane 3: Dynamic Client Registration (RFC 7591), kept narrow. Only public clients using the code flow
 * with PKCE can register; everything a registration asserts about itself is treated as unverified.
 */

export interface RegisteredMetadata extends PublicClientMetadata {
  client_name?: string;
  response_types: ['code'];
}

/** Methods answered with "none" rather than refused (RFC 7591 §3.2.1 substitution). */
const SHARED_SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

const bad = (description: string) => new OAuthError('invalid_client_metadata', description);
const badRedirect = (description: string) => new OAuthError('invalid_redirect_uri', description);

/** Validates a registration request body and fills the defaults it will be registered with (RFC 7591 §2, §3.2.1). */
export function validateRegistration(
  body: unknown,
  config: ResolvedConfig,
  /** The resources as they are now (ctx.resources.snapshot()): DCR scopes follow their edits. */
  resources: readonly ResolvedResource[],
): RegisteredMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('the body must be a JSON object');
  const m = body as Record<string, unknown>;

  // RFC 7591 §3.1.1: a software statement must be verified; this server trusts none.
  if (m.software_statement !== undefined) {
    throw new OAuthError('unapproved_software_statement', 'software statements are not accepted here');
  }
  checkAuthMethod(m.token_endpoint_auth_method ?? 'none');
  const { grantTypes, applicationType } = checkGrantShape(m);
  const redirectUris = checkRedirectUris(m.redirect_uris, config);

  const registered: RegisteredMetadata = {
    redirect_uris: [...new Set(redirectUris)],
    grant_types: [...new Set(grantTypes)] as RegisteredMetadata['grant_types'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: applicationType,
  };
  if (m.client_name !== undefined) {
    if (typeof m.client_name !== 'string') throw bad('client_name must be a string');
    // RFC 7591 §5: a self-asserted name shown to people must not be able to disguise itself.
    const name = cleanClientName(m.client_name);
    if (!name.ok) throw bad(name.problem);
    if (name.name) registered.client_name = name.name;
  }
  if (m.dpop_bound_access_tokens !== undefined && typeof m.dpop_bound_access_tokens !== 'boolean')
    throw bad('dpop_bound_access_tokens must be a boolean (RFC 9449 §5.2)');
  if (m.dpop_bound_access_tokens === true) registered.dpop_bound_access_tokens = true;
  const scope = narrowScope(m.scope, resources);
  if (scope) registered.scope = scope;
  // RFC 7591 §5: URLs shown to users must share the host of a redirect URI, or they are dropped.
  const hosts = new Set(registered.redirect_uris.map(hostOf).filter(Boolean));
  for (const field of ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri'] as const) {
    const value = m[field];
    if (typeof value === 'string' && value.startsWith('https://') && hosts.has(hostOf(value)))
      registered[field] = value;
  }
  return registered;
}

/** RFC 7591 §3.2.1: public clients only; a request for a shared secret is answered "none". */
function checkAuthMethod(method: unknown): void {
  // RFC 7591 §3.2.1: the server may replace a requested value and echoes what it registered. A request
  // for a shared secret (claude.ai asks for client_secret_post: anthropics/claude-ai-mcp#1043) is
  // registered as a public client and answered "none": a secret given to anyone who asks proves nothing,
  // and the clients read the method from the answer (anthropics/claude-ai-mcp#82). PKCE stays required.
  if (method !== 'none' && !(typeof method === 'string' && SHARED_SECRET_METHODS.has(method))) {
    throw bad(
      'only public clients can register here: token_endpoint_auth_method must be "none" (use PKCE); a request for client_secret_basic or client_secret_post is registered as "none"',
    );
  }
}

/** Grant types, response types and application type (RFC 7591 §2; OAuth 2.1 §2.1). */
function checkGrantShape(m: Record<string, unknown>): {
  grantTypes: string[];
  applicationType: 'web' | 'native';
} {
  const grantTypes = m.grant_types ?? [...RFC7591_DEFAULT_GRANT_TYPES];
  if (!isStringArray(grantTypes) || grantTypes.length === 0)
    throw bad('grant_types must be a non-empty array of strings');
  for (const grant of grantTypes) {
    if (grant !== 'authorization_code' && grant !== 'refresh_token') {
      // OAuth 2.1 §2.1, §7.2: no client_credentials without a secret; implicit and password do not exist.
      throw bad(`grant type ${grant} cannot be registered here (only authorization_code and refresh_token)`);
    }
  }
  if (!grantTypes.includes('authorization_code')) throw bad('grant_types must include authorization_code');
  const responseTypes = m.response_types ?? ['code'];
  if (!isStringArray(responseTypes) || responseTypes.length !== 1 || responseTypes[0] !== 'code') {
    throw bad('response_types must be ["code"]');
  }
  const applicationType = m.application_type ?? 'web';
  if (applicationType !== 'web' && applicationType !== 'native')
    throw bad('application_type must be "web" or "native"');
  if (m.jwks !== undefined && m.jwks_uri !== undefined)
    throw bad('jwks and jwks_uri must not both be present (RFC 7591 §2)');

  return { grantTypes, applicationType };
}

/** RFC 7591 §2 redirect_uris, each checked like a preregistered one (lanes/redirect-uri.ts). */
function checkRedirectUris(redirectUris: unknown, config: ResolvedConfig): string[] {
  if (!isStringArray(redirectUris) || redirectUris.length === 0) {
    throw badRedirect('redirect_uris must be a non-empty array of strings');
  }
  if (redirectUris.length > 10) throw badRedirect('at most 10 redirect_uris may be registered');
  for (const uri of redirectUris) {
    const scheme = /^([a-z][a-z0-9+.-]*):/.exec(uri)?.[1];
    const custom = scheme !== undefined && scheme !== 'http' && scheme !== 'https';
    // RFC 8252 §7.1 private-use schemes only by name (dcr.allowedCustomSchemes; the compatibility
    // preset lists well-known clients'). One unacceptable URI refuses the registration, named.
    if (custom && !config.dcr.allowedCustomSchemes.includes(scheme)) {
      const allowed = config.dcr.allowedCustomSchemes;
      throw badRedirect(
        `redirect URI ${uri}: the private-use scheme ${scheme}: is not allowed by this server (${allowed.length ? `allowed: ${allowed.join(', ')}` : 'none is allowed'}; https and loopback http are)`,
      );
    }
    const problem = checkRedirectUri(uri, { allowCustomSchemes: custom, requireReverseDns: false });
    if (problem) throw badRedirect(`redirect URI ${uri} ${problem}`);
  }

  return redirectUris;
}

/** Keeps only scopes some DCR-admitting resource understands (consent phishing: OAuth 2.1 §7.9). */
function narrowScope(scope: unknown, resources: readonly ResolvedResource[]): string | undefined {
  if (scope === undefined) return undefined;
  if (typeof scope !== 'string') throw bad('scope must be a space-separated string');
  const known = new Set(resources.filter((r) => r.lanes.dcr).flatMap((r) => r.scopes));
  const kept = [...new Set(scope.split(' ').filter((s) => known.has(s)))];
  return kept.length ? kept.join(' ') : undefined;
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return '';
  }
}

/**
 * The client_id of a registration: derived from its metadata and its source, so an identical
 * re-registration from the same place finds the same client instead of minting a new row. Keyed with
 * the server secret, so ids cannot be precomputed; never `https://` (CIMD-01 §6.9) nor `usr_`.
 */
export function registrationClientId(
  metadata: RegisteredMetadata,
  source: string,
  key: Buffer,
): { clientId: string; fingerprint: string } {
  const canonical = JSON.stringify(
    Object.keys(metadata)
      .sort()
      .map((k) => [k, metadata[k as keyof RegisteredMetadata]]),
  );
  const fingerprint = hmac(key, canonical).slice(0, 22);
  return { clientId: `dcr_${hmac(key, `${source}\n${canonical}`).slice(0, 32)}`, fingerprint };
}

export function clientRecordFromRegistration(
  metadata: RegisteredMetadata,
  clientId: string,
  extra: { fingerprint: string; ip: string | null; userAgent: string | null },
  at: number,
): ClientRecord {
  return {
    client_id: clientId,
    source: 'dcr',
    client_name: metadata.client_name ?? null,
    redirect_uris: metadata.redirect_uris,
    post_logout_redirect_uris: [],
    grant_types: metadata.grant_types,
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: metadata.application_type,
    scope: metadata.scope ?? null,
    resources: [],
    introspect: [],
    first_party: false,
    secretHash: null,
    metadata: {
      registration: metadata,
      fingerprint: extra.fingerprint,
      ip: extra.ip,
      userAgent: extra.userAgent,
    },
    createdAt: at,
    updatedAt: at,
    lastUsedAt: null,
    disabledAt: null,
    disabledReason: null,
  };
}
