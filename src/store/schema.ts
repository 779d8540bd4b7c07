/**
 * Row shapes of the tables created by ./migrations.ts, as Kysely sees them. Times are epoch ms in
 * BIGINT columns (the pg pool parses int8 as a JS number), booleans are 0/1 integers and lists or
 * objects are JSON text, so the same rows come back from SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

export interface ClientsTable {
  client_id: string;
  source: string;
  client_name: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  response_types: string;
  token_endpoint_auth_method: string;
  application_type: string;
  scope: string | null;
  resources: string;
  introspect: string;
  first_party: number;
  secret_hash: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
  disabled_at: number | null;
  disabled_reason: string | null;
}

export interface UsersTable {
  id: string;
  email: string;
  /** The e-mail lower-cased in JS, so SQLite (ASCII-only lower()) and PostgreSQL agree on uniqueness. */
  email_lower: string;
  password_hash: string;
  admin: number;
  /** 0004_identity. */
  email_verified: number;
  created_at: number;
  disabled_at: number | null;
}

export interface BrowserSessionsTable {
  id: string;
  secret_hash: string;
  user_id: string;
  created_at: number;
  auth_time: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface ConsentsTable {
  user_id: string;
  client_id: string;
  resource: string;
  scope: string;
  redirect_uri: string;
  created_at: number;
}

export interface GrantsTable {
  id: string;
  user_id: string;
  client_id: string;
  scope: string;
  resource: string;
  session_id: string | null;
  auth_time: number;
  created_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
  /** Migration 0006: the client authentication method of the code exchange; NULL = unknown (none). */
  client_auth_method: string | null;
  /** Migration 0011: the DPoP key (RFC 7638 thumbprint) the grant's refresh tokens are bound to. */
  dpop_jkt?: string | null;
  /** Migration 0012: the organization the user acts in (`org_id`); NULL: none. */
  org_id?: string | null;
}

export interface AuthorizationCodesTable {
  id: string;
  secret_hash: string;
  client_id: string;
  user_id: string;
  grant_id: string;
  redirect_uri: string;
  redirect_uri_explicit: number;
  code_challenge: string | null;
  code_challenge_method: string | null;
  scope: string;
  resource: string;
  nonce: string | null;
  /** Migration 0011: RFC 9449 §10 `dpop_jkt` of the authorization request. */
  dpop_jkt?: string | null;
  /** Migration 0012: the organization chosen at sign-in; the grant inherits it. */
  org_id?: string | null;
  session_id: string | null;
  auth_time: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface RefreshTokensTable {
  id: string;
  secret_hash: string;
  grant_id: string;
  client_id: string;
  scope: string;
  resource: string;
  created_at: number;
  expires_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

export interface RevokedAccessTokensTable {
  jti: string;
  expires_at: number;
}

/** 0009_id_jag_jtis: used ID-JAG ids per IdP issuer, until the ID-JAG expires. */
/** 0013_saml: used SAML assertion IDs per IdP entityID, until the assertion's NotOnOrAfter. */
export interface SamlAssertionsTable {
  issuer: string;
  assertion_id: string;
  expires_at: number;
}

export interface IdJagJtisTable {
  issuer: string;
  jti: string;
  expires_at: number;
}

/** 0005_client_assertions: used private_key_jwt assertion ids, until the assertion expires. */
export interface ClientAssertionsTable {
  client_id: string;
  jti: string;
  expires_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  state: string;
  public_jwk: string;
  private_jwk_encrypted: string;
  created_at: number;
  retire_at: number | null;
  /** 0007_signing_key_activation: when an active (later retiring) key starts to sign; NULL: since ever. */
  activate_at: number | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  type: string;
  client_id: string | null;
  user_id: string | null;
  actor: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string;
  /** How many events the row stands for: 1, or more for an aggregate row (migrations-storage.ts). */
  count: Generated<number>;
  /** An aggregate row's latest event. */
  last_at: number | null;
  /** An aggregate row's bucket; null for an ordinary row. */
  aggregate_key: string | null;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  /** Kept so housekeeping never drops a window that is still running, whatever its length. */
  window_end: number;
  count: number;
}

export interface ResourcesTable {
  resource: string;
  name: string;
  scopes: string;
  default_scopes: string;
  /** JSON `{ preregistered, cimd, dcr }`. */
  lanes: string;
  updated_at: number;
  updated_by: string | null;
}

/** Account tokens: password resets and e-mail verifications (the name predates the second). */
export interface AccountTokensTable {
  id: string;
  /** Migration 0014; rows from before it are password resets. */
  purpose: string;
  secret_hash: string;
  email: string | null;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface Database {
  gatehouse_clients: ClientsTable;
  gatehouse_users: UsersTable;
  gatehouse_browser_sessions: BrowserSessionsTable;
  gatehouse_consents: ConsentsTable;
  gatehouse_grants: GrantsTable;
  gatehouse_authorization_codes: AuthorizationCodesTable;
  gatehouse_refresh_tokens: RefreshTokensTable;
  gatehouse_revoked_access_tokens: RevokedAccessTokensTable;
  gatehouse_client_assertions: ClientAssertionsTable;
  gatehouse_id_jag_jtis: IdJagJtisTable;
  gatehouse_saml_assertions: SamlAssertionsTable;
  gatehouse_signing_keys: SigningKeysTable;
  gatehouse_audit_events: AuditEventsTable;
  gatehouse_rate_limits: RateLimitsTable;
  gatehouse_resources: ResourcesTable;
  gatehouse_password_resets: AccountTokensTable;
}
