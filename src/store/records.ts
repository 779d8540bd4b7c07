/** The records the Store keeps (see types.ts for the contract and its conventions). */

export type ClientSource = 'preregistered' | 'cimd' | 'dcr';
export type TokenEndpointAuthMethod =
  | 'none'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt';
export type GrantType =
  | 'authorization_code'
  | 'refresh_token'
  | 'client_credentials'
  /** ID-JAG, RFC 7523 §2.1 (src/grants/id-jag.ts). */
  | 'urn:ietf:params:oauth:grant-type:jwt-bearer'
  /** RFC 8693 §2.1 (src/grants/token-exchange.ts). */
  | 'urn:ietf:params:oauth:grant-type:token-exchange';
export type ApplicationType = 'web' | 'native';

/** Every lane resolves to this shape; everything after client resolution is lane-agnostic. */
export interface ClientRecord {
  client_id: string;
  source: ClientSource;
  client_name: string | null;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: GrantType[];
  response_types: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  application_type: ApplicationType;
  /** Scopes this client may request (space-separated); null means any scope of the resource. */
  scope: string | null;
  /** Resources this client may request tokens for; empty means every configured resource. */
  resources: string[];
  /** Resources whose tokens this client may introspect (RFC 7662); `*` means all. */
  introspect: string[];
  /** Trusted first-party clients may skip the consent page. */
  first_party: boolean;
  /** SHA-256 of the client secret (base64url); null for public clients. */
  secretHash: string | null;
  /** Lane-specific extra data (e.g. the raw CIMD document, DCR fingerprint), JSON-serialisable. */
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
  disabledAt: number | null;
  disabledReason: string | null;
}

export interface UserRecord {
  id: string;
  email: string;
  /** argon2id PHC string. */
  passwordHash: string;
  admin: boolean;
  /**
   * Whether Gatehouse has proof that the user controls `email` (a completed password reset through the
   * mailed link) or an operator said so; self sign-ups start false. The ID token's `email_verified`.
   */
  emailVerified: boolean;
  createdAt: number;
  disabledAt: number | null;
}

export interface BrowserSessionRecord {
  id: string;
  secretHash: string;
  userId: string;
  createdAt: number;
  authTime: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface ConsentRecord {
  userId: string;
  clientId: string;
  resource: string;
  /** Space-separated scopes the user approved for this client and resource. */
  scope: string;
  /** Redirect URI the consent was given for (consent is not reused across loopback ports of public clients). */
  redirectUri: string;
  createdAt: number;
}

/** A user × client × scopes × resource authorization; the refresh-token family hangs off it. */
export interface GrantRecord {
  id: string;
  userId: string;
  clientId: string;
  scope: string;
  resource: string;
  sessionId: string | null;
  authTime: number;
  createdAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
  /**
   * How the client authenticated at the code exchange that created the grant; a refresh must
   * authenticate at least as strongly (grants/refresh-token.ts). Absent (a grant from before this was
   * recorded, or from a caller that does not say) means unknown and counts as `none`.
   */
  clientAuthMethod?: TokenEndpointAuthMethod;
  /** RFC 9449 §5: the DPoP key (RFC 7638 thumbprint) every refresh of this grant must prove. */
  dpopJkt?: string;
  /** The organization the user acts in (the access token's `org_id`); kept by every refresh. */
  orgId?: string;
}

export interface AuthorizationCodeRecord {
  id: string;
  secretHash: string;
  clientId: string;
  userId: string;
  /** The grant created when the code is redeemed; known in advance so a replay can revoke it. */
  grantId: string;
  redirectUri: string;
  /** True when the authorization request carried redirect_uri explicitly (OAuth 2.0 §4.1.3). */
  redirectUriExplicit: boolean;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  scope: string;
  resource: string;
  nonce: string | null;
  sessionId: string | null;
  authTime: number;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  /** RFC 9449 §10: `dpop_jkt` of the authorization request; the code is redeemed only with that key. */
  dpopJkt?: string;
  /** The organization chosen at sign-in (interaction/organization.ts); the grant inherits it. */
  orgId?: string;
}

export interface RefreshTokenRecord {
  id: string;
  secretHash: string;
  grantId: string;
  clientId: string;
  /** The full scope of the grant; a refresh may narrow the access token, never this (OAuth 2.1 §4.3.3). */
  scope: string;
  resource: string;
  createdAt: number;
  /** Idle expiry, capped by the grant's absolute lifetime: the token is unusable after this time. */
  expiresAt: number;
  /** Set when the token was exchanged for a successor. */
  rotatedAt: number | null;
  revokedAt: number | null;
}

export type SigningKeyState = 'next' | 'active' | 'retiring';

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  state: SigningKeyState;
  /** Public JWK as JSON text. */
  publicJwk: string;
  /** Private JWK encrypted with a key derived from the configured secret (AES-256-GCM), base64url. */
  privateJwkEncrypted: string;
  createdAt: number;
  /** For `retiring` keys: when they leave the JWKS (after every token they signed has expired). */
  retireAt: number | null;
  /**
   * For `active` and `retiring` keys: when the key starts (or started) to sign. A rotation may promote a
   * key that signs only later; until then the key promoted before it signs. `null`: since it became
   * active (keys from before this column, and `next` keys).
   */
  activateAt: number | null;
}

/** What `Store.rotateSigningKeys` is asked to do (src/store/types.ts). */
export interface RotateSigningKeysInput {
  newNext: SigningKeyRecord;
  initialActive?: SigningKeyRecord;
  /** When the key that stops being active leaves the JWKS. */
  retireAt: number;
  /** When the promoted key starts to sign (default `at`); until then the key active before it signs. */
  activateAt?: number;
  at: number;
  /**
   * The `active` and `next` kids the caller decided from (null: none). If either differs inside the
   * transaction, nothing changes and the current keys are returned (`newNext` is then absent from them).
   */
  expect?: { active: string | null; next: string | null };
}

export interface AuditEventInput {
  type: string;
  clientId?: string | null;
  userId?: string | null;
  actor?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** JSON-serialisable detail; must never contain a credential. */
  detail?: Record<string, unknown>;
}

export interface AuditEventRecord {
  id: number;
  at: number;
  type: string;
  clientId: string | null;
  userId: string | null;
  actor: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
  /**
   * Aggregate rows only (events bounded under flood): how many events the row stands for, and when the
   * last of them happened (`at` is the first).
   */
  count?: number;
  lastAt?: number;
}

/** Events of one type on one UTC day, aggregate rows counted by their `count`. */
export interface AuditDayCount {
  type: string;
  /** Start of the UTC day, epoch ms. */
  day: number;
  count: number;
}

export interface AuditQuery {
  type?: string;
  clientId?: string;
  userId?: string;
  since?: number;
  until?: number;
  /** Return events with id < before (pagination, newest first). */
  before?: number;
  limit?: number;
}

export interface RateLimitResult {
  allowed: boolean;
  count: number;
  /** Seconds until the current window ends. */
  retryAfter: number;
}

export type RedeemCodeResult =
  /** This caller consumed the code and created its grant; `user` is the grant's (active) user. */
  | { status: 'redeemed'; user: UserRecord }
  /** This caller consumed the code, but its user is disabled or gone: no grant was created. */
  | { status: 'user_inactive' }
  /** This caller did not consume the code (consumed before, or gone): nothing was written. */
  | { status: 'already_consumed' };

/**
 * Who redeemed a code. A redemption records a `token.issued` event (detail { grant_type, grantId }) in
 * the transaction that creates the grant; the store builds it, so every redemption writes the same event.
 */
export interface RedemptionAudit {
  ip: string | null;
  userAgent: string | null;
}

/** The successor a refresh token is swapped for; grant, client, scope and resource are the token's. */
export interface SuccessorToken {
  id: string;
  secretHash: string;
  expiresAt: number;
}

/**
 * What Store.rotateRefreshToken found, for the refresh grant to decide on (src/grants/refresh-rotation.ts).
 * `grant` is the token's grant when it is not revoked.
 */
export type RefreshSwap =
  /** This caller swapped the token: it is now rotated and the successor is stored. */
  | { swapped: true; grant: GrantRecord }
  /** Nothing was written: the token as it is, and the row stored under the successor's id, if any. */
  | {
      swapped: false;
      token: RefreshTokenRecord;
      successor: RefreshTokenRecord | undefined;
      grant: GrantRecord | undefined;
    };

/** A refresh token with its grant and whether the grant's user may still sign in (one read). */
export interface RefreshTokenWithGrant {
  token: RefreshTokenRecord;
  grant: GrantRecord;
  /** False when the user is disabled or gone. */
  userActive: boolean;
  /**
   * The user's roles in the grant's organization, read with the grant (one join); absent when the grant
   * has no organization or the user is no longer a member of it.
   */
  orgRoles?: string[];
}

export interface ClientListQuery {
  source?: ClientSource;
  status?: 'active' | 'disabled';
  text?: string;
  /** Clients that may request this resource: those listing it, and those listing none (every resource). */
  resource?: string;
  limit?: number;
  /** Opaque cursor: the client_id to continue after. */
  after?: string;
}

/** A protected resource as stored (config seeds it; administrators edit it). */
export interface ResourceRecord {
  resource: string;
  name: string;
  scopes: string[];
  defaultScopes: string[];
  lanes: { preregistered: boolean; cimd: boolean; dcr: boolean };
  updatedAt: number;
  /** The administrator who last edited it; null while it is as seeded. */
  updatedBy: string | null;
}

/** A password-reset token `ghp_id.secret`: only the secret's hash is stored; usable once, briefly. */
/** What a single-use account token is for (src/operations/account-tokens.ts). */
export type AccountTokenPurpose = 'password_reset' | 'email_verification';

/**
 * A single-use, short-lived account token (`id.secret`; only the secret's hash is stored): a password
 * reset or an e-mail verification, for `email` (the user's address when it was issued).
 */
export interface AccountTokenRecord {
  id: string;
  purpose: AccountTokenPurpose;
  secretHash: string;
  userId: string;
  /** The address the token was mailed to; null for resets issued before migration 0014. */
  email: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface UserListQuery {
  /** Case-insensitive substring of the e-mail. */
  text?: string;
  limit?: number;
  /** Cursor: the lower-cased e-mail to continue after. */
  after?: string;
}

export interface ClientCount {
  source: ClientSource;
  disabled: boolean;
  count: number;
}
