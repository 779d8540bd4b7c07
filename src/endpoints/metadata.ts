import type { ResolvedConfig, ResolvedResource } from '../config/resolve.js';
import type { Handler } from '../context.js';
import { IDENTITY_SCOPES, OFFLINE_ACCESS } from '../grants/audience.js';
import { idJagGrantOffered } from '../grants/enterprise-idps.js';
import { ASSERTION_ALGORITHMS } from '../tokens/client-assertion.js';
import { DPOP_ALGORITHMS } from '../tokens/dpop.js';
import { ID_JAG_PROFILE, JWT_BEARER_GRANT } from '../tokens/id-jag.js';

/** The client authentication methods that prove a credential (a public client, `none`, proves none). */
const CREDENTIAL_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/**
 * Authorization server metadata (RFC 8414 §2), also served at the OpenID discovery locations.
 * `issuer` is the configured string byte for byte (§3.3); arrays with no elements are omitted (§3.2);
 * every URL comes from configuration, never from Host or X-Forwarded-* (RFC 9700 §4.13). `resources`
 * are the resources as they are now (ctx.resources.snapshot()): scopes_supported follows their edits.
 */
export function buildMetadata(
  config: ResolvedConfig,
  resources: readonly ResolvedResource[],
  /** Whether any trusted enterprise IdP exists, stored ones included (grants/enterprise-idps.ts). */
  enterprise = config.enterprise.idps.length > 0,
): Record<string, unknown> {
  const e = config.endpoints;
  const scopes = [
    ...new Set([
      ...resources.filter((r) => !r.restricted).flatMap((r) => r.scopes),
      ...IDENTITY_SCOPES,
      // MCP SEP-2207: clients add offline_access only when it is listed; it is accepted and dropped
      // (audience.ts OFFLINE_ACCESS). Resource metadata (RFC 9728) never lists it: src/resource/metadata.ts.
      OFFLINE_ACCESS,
    ]),
  ];
  const metadata: Record<string, unknown> = {
    issuer: config.issuer,
    authorization_endpoint: e.authorization,
    token_endpoint: e.token,
    jwks_uri: e.jwks,
    revocation_endpoint: e.revocation,
    introspection_endpoint: e.introspection,
    end_session_endpoint: e.endSession,
    scopes_supported: scopes,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ],
    token_endpoint_auth_methods_supported: [...CREDENTIAL_AUTH_METHODS, 'none'],
    // RFC 8414 §2: listed because private_key_jwt is; asymmetric algorithms only (never none or HS*).
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    revocation_endpoint_auth_methods_supported: [...CREDENTIAL_AUTH_METHODS, 'none'],
    revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    // RFC 7662 §2.1: introspection is for authenticated callers only, never a public client.
    introspection_endpoint_auth_methods_supported: [...CREDENTIAL_AUTH_METHODS],
    introspection_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    // OAuth 2.1 §4.1.1 / RFC 9700 §2.1.1: S256 only; plain is refused.
    code_challenge_methods_supported: ['S256'],
    // RFC 9449 §5.1: the algorithms accepted on DPoP proofs.
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    // RFC 9207 §3: every authorization response carries iss.
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent'],
    // OIDC Discovery §3 (request_uri_parameter_supported defaults to true): no request objects (OIDC Core §6).
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    // OpenID Connect Discovery §3 required members (ID tokens are issued for the openid scope).
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [config.signingAlgorithm],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'email_verified'],
  };
  if (config.dcr.enabled) metadata.registration_endpoint = e.registration;
  if (config.cimd.enabled) metadata.client_id_metadata_document_supported = true;
  if (enterprise) {
    // MCP enterprise-managed authorization §6, draft-ietf-oauth-identity-assertion-authz-grant §7.2.
    (metadata.grant_types_supported as string[]).push(JWT_BEARER_GRANT);
    metadata.authorization_grant_profiles_supported = [ID_JAG_PROFILE];
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (Array.isArray(value) && value.length === 0) delete metadata[key];
  }
  return metadata;
}

/**
 * GET metadata, at every discovery location (router). The body is rebuilt only when the resources
 * change (scopes_supported follows them: an administrator's edit, seen through ctx.resources).
 */
export function metadataHandler(): Handler {
  let body = '';
  let version: string | undefined;
  return async (ctx, req) => {
    const now = ctx.resources.snapshot();
    // The grant is advertised while any IdP is trusted, an administrator's included (briefly cached).
    const enterprise = await idJagGrantOffered(ctx);
    const current = `${now.version} ${enterprise}`;
    if (version !== current) {
      body = JSON.stringify(buildMetadata(ctx.config, now.resources, enterprise));
      version = current;
    }
    return new Response(body, {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=300',
        ...req.cors,
      },
    });
  };
}
