/**
 * Conversions between the Store's records and table rows. Kept in one place so both dialects decode
 * exactly the same way (0/1 booleans, JSON text, numbers for times).
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type {
  AuditEventsTable,
  AuthorizationCodesTable,
  BrowserSessionsTable,
  ClientsTable,
  ConsentsTable,
  GrantsTable,
  RefreshTokensTable,
  SigningKeysTable,
  UsersTable,
} from './schema.js';
import type {
  ApplicationType,
  AuditEventRecord,
  AuthorizationCodeRecord,
  BrowserSessionRecord,
  ClientRecord,
  ClientSource,
  ConsentRecord,
  GrantRecord,
  GrantType,
  RefreshTokenRecord,
  SigningKeyRecord,
  SigningKeyState,
  TokenEndpointAuthMethod,
  UserRecord,
} from './types.js';

const bool = (v: number | boolean): boolean => v === true || Number(v) === 1;
const int = (v: boolean): number => (v ? 1 : 0);
// pg may hand back a bigint column as a string if a pool was created without our type parser.
const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function clientToRow(c: ClientRecord): Insertable<ClientsTable> {
  return {
    client_id: c.client_id,
    source: c.source,
    client_name: c.client_name,
    redirect_uris: JSON.stringify(c.redirect_uris),
    post_logout_redirect_uris: JSON.stringify(c.post_logout_redirect_uris),
    grant_types: JSON.stringify(c.grant_types),
    response_types: JSON.stringify(c.response_types),
    token_endpoint_auth_method: c.token_endpoint_auth_method,
    application_type: c.application_type,
    scope: c.scope,
    resources: JSON.stringify(c.resources),
    introspect: JSON.stringify(c.introspect),
    first_party: int(c.first_party),
    secret_hash: c.secretHash,
    metadata: JSON.stringify(c.metadata ?? {}),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    last_used_at: c.lastUsedAt,
    disabled_at: c.disabledAt,
    disabled_reason: c.disabledReason,
  };
}

export function clientFromRow(r: Selectable<ClientsTable>): ClientRecord {
  return {
    client_id: r.client_id,
    source: r.source as ClientSource,
    client_name: r.client_name,
    redirect_uris: parseJson<string[]>(r.redirect_uris, []),
    post_logout_redirect_uris: parseJson<string[]>(r.post_logout_redirect_uris, []),
    grant_types: parseJson<GrantType[]>(r.grant_types, []),
    response_types: parseJson<string[]>(r.response_types, []),
    token_endpoint_auth_method: r.token_endpoint_auth_method as TokenEndpointAuthMethod,
    application_type: r.application_type as ApplicationType,
    scope: r.scope,
    resources: parseJson<string[]>(r.resources, []),
    introspect: parseJson<string[]>(r.introspect, []),
    first_party: bool(r.first_party),
    secretHash: r.secret_hash,
    metadata: parseJson<Record<string, unknown>>(r.metadata, {}),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    lastUsedAt: numOrNull(r.last_used_at),
    disabledAt: numOrNull(r.disabled_at),
    disabledReason: r.disabled_reason,
  };
}

/** Maps only the keys present in the patch; `undefined` means "leave as is". */
export function clientPatchToRow(
  patch: Partial<Omit<ClientRecord, 'client_id' | 'createdAt'>>,
): Updateable<ClientsTable> {
  const full = clientToRow({ ...(patch as ClientRecord) });
  const keyToColumn: Record<string, keyof ClientsTable> = {
    source: 'source',
    client_name: 'client_name',
    redirect_uris: 'redirect_uris',
    post_logout_redirect_uris: 'post_logout_redirect_uris',
    grant_types: 'grant_types',
    response_types: 'response_types',
    token_endpoint_auth_method: 'token_endpoint_auth_method',
    application_type: 'application_type',
    scope: 'scope',
    resources: 'resources',
    introspect: 'introspect',
    first_party: 'first_party',
    secretHash: 'secret_hash',
    metadata: 'metadata',
    updatedAt: 'updated_at',
    lastUsedAt: 'last_used_at',
    disabledAt: 'disabled_at',
    disabledReason: 'disabled_reason',
  };
  return pickPresent(patch, keyToColumn, full);
}

export function userToRow(u: UserRecord): Insertable<UsersTable> {
  return {
    id: u.id,
    email: u.email,
    email_lower: normaliseEmail(u.email),
    password_hash: u.passwordHash,
    admin: int(u.admin),
    email_verified: int(u.emailVerified),
    created_at: u.createdAt,
    disabled_at: u.disabledAt,
  };
}

export function userFromRow(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    email: r.email,
    passwordHash: r.password_hash,
    admin: bool(r.admin),
    emailVerified: bool(r.email_verified),
    createdAt: num(r.created_at),
    disabledAt: numOrNull(r.disabled_at),
  };
}

export function userPatchToRow(patch: Partial<Omit<UserRecord, 'id' | 'createdAt'>>): Updateable<UsersTable> {
  const row: Updateable<UsersTable> = {};
  if (patch.email !== undefined) {
    row.email = patch.email;
    row.email_lower = normaliseEmail(patch.email);
  }
  if (patch.passwordHash !== undefined) row.password_hash = patch.passwordHash;
  if (patch.admin !== undefined) row.admin = int(patch.admin);
  if (patch.emailVerified !== undefined) row.email_verified = int(patch.emailVerified);
  if (patch.disabledAt !== undefined) row.disabled_at = patch.disabledAt;
  return row;
}

/** Done in JS, not with SQL lower(): SQLite's lower() only folds ASCII, PostgreSQL's follows the locale. */
export function normaliseEmail(email: string): string {
  return email.toLowerCase();
}

export function sessionToRow(s: BrowserSessionRecord): Insertable<BrowserSessionsTable> {
  return {
    id: s.id,
    secret_hash: s.secretHash,
    user_id: s.userId,
    created_at: s.createdAt,
    auth_time: s.authTime,
    expires_at: s.expiresAt,
    revoked_at: s.revokedAt,
  };
}

export function sessionFromRow(r: Selectable<BrowserSessionsTable>): BrowserSessionRecord {
  return {
    id: r.id,
    secretHash: r.secret_hash,
    userId: r.user_id,
    createdAt: num(r.created_at),
    authTime: num(r.auth_time),
    expiresAt: num(r.expires_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}

export function consentToRow(c: ConsentRecord): Insertable<ConsentsTable> {
  return {
    user_id: c.userId,
    client_id: c.clientId,
    resource: c.resource,
    scope: c.scope,
    redirect_uri: c.redirectUri,
    created_at: c.createdAt,
  };
}

export function consentFromRow(r: Selectable<ConsentsTable>): ConsentRecord {
  return {
    userId: r.user_id,
    clientId: r.client_id,
    resource: r.resource,
    scope: r.scope,
    redirectUri: r.redirect_uri,
    createdAt: num(r.created_at),
  };
}

export function grantFromRow(r: Selectable<GrantsTable>): GrantRecord {
  return {
    id: r.id,
    userId: r.user_id,
    clientId: r.client_id,
    scope: r.scope,
    resource: r.resource,
    sessionId: r.session_id,
    authTime: num(r.auth_time),
    createdAt: num(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
    revokedReason: r.revoked_reason,
    // NULL (unknown) is left absent, as a record written without it reads back.
    ...(r.client_auth_method == null
      ? {}
      : { clientAuthMethod: r.client_auth_method as TokenEndpointAuthMethod }),
    ...(r.dpop_jkt == null ? {} : { dpopJkt: r.dpop_jkt }),
    ...(r.org_id == null ? {} : { orgId: r.org_id }),
  };
}

export function codeToRow(c: AuthorizationCodeRecord): Insertable<AuthorizationCodesTable> {
  return {
    id: c.id,
    secret_hash: c.secretHash,
    client_id: c.clientId,
    user_id: c.userId,
    grant_id: c.grantId,
    redirect_uri: c.redirectUri,
    redirect_uri_explicit: int(c.redirectUriExplicit),
    code_challenge: c.codeChallenge,
    code_challenge_method: c.codeChallengeMethod,
    scope: c.scope,
    resource: c.resource,
    nonce: c.nonce,
    dpop_jkt: c.dpopJkt ?? null,
    org_id: c.orgId ?? null,
    session_id: c.sessionId,
    auth_time: c.authTime,
    created_at: c.createdAt,
    expires_at: c.expiresAt,
    consumed_at: c.consumedAt,
  };
}

export function codeFromRow(r: Selectable<AuthorizationCodesTable>): AuthorizationCodeRecord {
  return {
    id: r.id,
    secretHash: r.secret_hash,
    clientId: r.client_id,
    userId: r.user_id,
    grantId: r.grant_id,
    redirectUri: r.redirect_uri,
    redirectUriExplicit: bool(r.redirect_uri_explicit),
    codeChallenge: r.code_challenge,
    codeChallengeMethod: r.code_challenge_method,
    scope: r.scope,
    resource: r.resource,
    nonce: r.nonce,
    ...(r.dpop_jkt == null ? {} : { dpopJkt: r.dpop_jkt }),
    ...(r.org_id == null ? {} : { orgId: r.org_id }),
    sessionId: r.session_id,
    authTime: num(r.auth_time),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    consumedAt: numOrNull(r.consumed_at),
  };
}

export function refreshFromRow(r: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: r.id,
    secretHash: r.secret_hash,
    grantId: r.grant_id,
    clientId: r.client_id,
    scope: r.scope,
    resource: r.resource,
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    rotatedAt: numOrNull(r.rotated_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}

export function keyToRow(k: SigningKeyRecord, state: SigningKeyState): Insertable<SigningKeysTable> {
  return {
    kid: k.kid,
    alg: k.alg,
    state,
    public_jwk: k.publicJwk,
    private_jwk_encrypted: k.privateJwkEncrypted,
    created_at: k.createdAt,
    retire_at: state === 'retiring' ? k.retireAt : null,
    activate_at: state === 'next' ? null : k.activateAt,
  };
}

export function keyFromRow(r: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: r.kid,
    alg: r.alg,
    state: r.state as SigningKeyState,
    publicJwk: r.public_jwk,
    privateJwkEncrypted: r.private_jwk_encrypted,
    createdAt: num(r.created_at),
    retireAt: numOrNull(r.retire_at),
    activateAt: numOrNull(r.activate_at),
  };
}

export function auditFromRow(r: Selectable<AuditEventsTable>): AuditEventRecord {
  return {
    id: num(r.id),
    at: num(r.at),
    type: r.type,
    clientId: r.client_id,
    userId: r.user_id,
    actor: r.actor,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: parseJson<Record<string, unknown>>(r.detail, {}),
    ...(r.aggregate_key !== null && r.aggregate_key !== undefined
      ? { count: num(r.count), lastAt: num(r.last_at ?? r.at) }
      : {}),
  };
}

function pickPresent<T extends object, R extends object>(
  patch: T,
  keyToColumn: Record<string, keyof R>,
  converted: Partial<R>,
): Partial<R> {
  const out: Partial<R> = {};
  for (const [key, value] of Object.entries(patch)) {
    const column = keyToColumn[key];
    if (value === undefined || column === undefined) continue;
    out[column] = converted[column];
  }
  return out;
}
