/** Small builders for store records; every id is fresh so tests never collide within one database. */
import { randomUUID } from 'node:crypto';
import type {
  AuthorizationCodeRecord,
  BrowserSessionRecord,
  ClientRecord,
  ConsentRecord,
  GrantRecord,
  RefreshTokenRecord,
  SigningKeyRecord,
  Store,
  UserRecord,
} from '../../src/store/types.js';

/** A fixed "now" so expiry arithmetic in tests is explicit. */
export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const uid = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '')}`;

export function makeClient(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    client_id: uid('client'),
    source: 'preregistered',
    client_name: 'Test client',
    redirect_uris: ['https://app.example/callback'],
    post_logout_redirect_uris: [],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    scope: null,
    resources: [],
    introspect: [],
    first_party: false,
    secretHash: null,
    metadata: {},
    createdAt: T0,
    updatedAt: T0,
    lastUsedAt: null,
    disabledAt: null,
    disabledReason: null,
    ...overrides,
  };
}

export function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = uid('user');
  return {
    id,
    email: `${id}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    admin: false,
    emailVerified: false,
    createdAt: T0,
    disabledAt: null,
    ...overrides,
  };
}

export function makeSession(
  userId: string,
  overrides: Partial<BrowserSessionRecord> = {},
): BrowserSessionRecord {
  return {
    id: uid('sess'),
    secretHash: uid('hash'),
    userId,
    createdAt: T0,
    authTime: T0,
    expiresAt: T0 + DAY,
    revokedAt: null,
    ...overrides,
  };
}

export function makeConsent(
  userId: string,
  clientId: string,
  overrides: Partial<ConsentRecord> = {},
): ConsentRecord {
  return {
    userId,
    clientId,
    resource: 'https://api.example/mcp',
    scope: 'read write',
    redirectUri: 'https://app.example/callback',
    createdAt: T0,
    ...overrides,
  };
}

export function makeGrant(
  userId: string,
  clientId: string,
  overrides: Partial<GrantRecord> = {},
): GrantRecord {
  return {
    id: uid('grant'),
    userId,
    clientId,
    scope: 'read write',
    resource: 'https://api.example/mcp',
    sessionId: null,
    authTime: T0,
    createdAt: T0,
    revokedAt: null,
    revokedReason: null,
    ...overrides,
  };
}

export function makeCode(
  userId: string,
  clientId: string,
  overrides: Partial<AuthorizationCodeRecord> = {},
): AuthorizationCodeRecord {
  return {
    id: uid('code'),
    secretHash: uid('hash'),
    clientId,
    userId,
    grantId: uid('grant'),
    redirectUri: 'https://app.example/callback',
    redirectUriExplicit: true,
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    scope: 'read write',
    resource: 'https://api.example/mcp',
    nonce: null,
    sessionId: null,
    authTime: T0,
    createdAt: T0,
    expiresAt: T0 + MINUTE,
    consumedAt: null,
    ...overrides,
  };
}

export function makeRefreshToken(
  grant: GrantRecord,
  overrides: Partial<RefreshTokenRecord> = {},
): RefreshTokenRecord {
  return {
    id: uid('rt'),
    secretHash: uid('hash'),
    grantId: grant.id,
    clientId: grant.clientId,
    scope: grant.scope,
    resource: grant.resource,
    createdAt: T0,
    expiresAt: T0 + 30 * DAY,
    rotatedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

export function makeKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = uid('kid');
  return {
    kid,
    alg: 'ES256',
    state: 'next',
    publicJwk: JSON.stringify({ kty: 'EC', crv: 'P-256', kid, x: 'x', y: 'y' }),
    privateJwkEncrypted: uid('enc'),
    createdAt: T0,
    retireAt: null,
    activateAt: null,
    ...overrides,
  };
}

/** A redemption by nobody in particular (no IP, no user agent). */
export const NO_AUDIT = { ip: null, userAgent: null } as const;

/** A client, a user, and a grant with its first refresh token: the usual starting point. */
export async function seedFamily(store: Store): Promise<{
  client: ClientRecord;
  user: UserRecord;
  grant: GrantRecord;
  token: RefreshTokenRecord;
}> {
  const client = makeClient();
  const user = makeUser();
  await store.createClient(client);
  await store.createUser(user);
  const grant = makeGrant(user.id, client.client_id);
  const token = makeRefreshToken(grant);
  await createGrant(store, grant, token);
  return { client, user, grant, token };
}

/**
 * Creates `grant` (with its first refresh token) the one way the store creates a grant: a code for it,
 * redeemed (Store.redeemAuthorizationCode, which also records a `token.issued` event). A grant given as
 * revoked is then revoked (with its refresh tokens). Its user must exist and be active.
 */
export async function createGrant(
  store: Store,
  grant: GrantRecord,
  refreshToken?: RefreshTokenRecord,
): Promise<void> {
  const code = makeCode(grant.userId, grant.clientId, {
    grantId: grant.id,
    scope: grant.scope,
    resource: grant.resource,
    sessionId: grant.sessionId,
    authTime: grant.authTime,
    createdAt: grant.createdAt,
    expiresAt: grant.createdAt + MINUTE,
  });
  await store.createAuthorizationCode(code);
  const live = { ...grant, revokedAt: null, revokedReason: null };
  const result = await store.redeemAuthorizationCode({
    id: code.id,
    at: grant.createdAt,
    grant: live,
    refreshToken,
    audit: NO_AUDIT,
  });
  if (result.status !== 'redeemed') throw new Error(`createGrant fixture: ${result.status}`);
  if (grant.revokedAt !== null) await store.revokeGrant(grant.id, grant.revokedAt, grant.revokedReason ?? '');
}
