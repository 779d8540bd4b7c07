/**
 * The Store contract: every piece of state Gatehouse keeps, in domain verbs. Each backend (SQLite,
 * PostgreSQL) implements it and passes the one shared suite in test/store/.
 *
 * Conventions:
 * - Times are epoch milliseconds (numbers). Lists of scopes are space-separated strings.
 * - Secrets never reach the store: only hashes (`secretHash`, `passwordHash`) and encrypted blobs.
 * - Each verb's doc comment states its concurrency rule; "atomic" means it holds across processes that
 *   share the database, not only within one process.
 */

export type ClientSource = 'preregistered' | 'cimd' | 'dcr';
export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';
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
}

export interface RefreshTokenRecord {
  id: string;
  secretHash: string;
  grantId: string;
  clientId: string;
  /** The full scope of the grant; a refresh may narrow the access token, never this. */
  scope: string;
  resource: string;
  createdAt: number;
  /** Idle expiry: the token is unusable after this time. */
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

export type ConsumeCodeResult =
  | { status: 'consumed'; code: AuthorizationCodeRecord }
  | { status: 'already_consumed'; code: AuthorizationCodeRecord }
  | { status: 'missing' };

export type RotateRefreshResult =
  /** This caller rotated the token: the successor was stored. */
  | { status: 'rotated' }
  /** The token had been rotated already, within the grace window: the successor was stored as a sibling. */
  | { status: 'rotated_in_grace' }
  /** The token had been rotated before the grace window: reuse. The grant has been revoked. */
  | { status: 'reused' }
  /** Missing, revoked, expired, or its grant is revoked. */
  | { status: 'invalid' };

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
export interface PasswordResetRecord {
  id: string;
  secretHash: string;
  userId: string;
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

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Applies pending migrations. Safe when several instances call it at once (a database lock serialises them). */
  migrate(): Promise<void>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // ── clients ──────────────────────────────────────────────────────────────
  getClient(clientId: string): Promise<ClientRecord | undefined>;
  /** Inserts a client. Fails (rejects) if the client_id exists. */
  createClient(client: ClientRecord): Promise<void>;
  /**
   * Inserts or replaces a client by client_id (config seeding; CIMD cache refresh). Keeps createdAt,
   * lastUsedAt and the disabled state of an existing row. Last writer wins.
   */
  upsertClient(client: ClientRecord): Promise<void>;
  /** Partial update; returns false when the client does not exist. Last writer wins. */
  updateClient(
    clientId: string,
    patch: Partial<Omit<ClientRecord, 'client_id' | 'createdAt'>>,
  ): Promise<boolean>;
  /** Deletes the client and every row that depends on it (codes, grants, refresh tokens, consents). */
  deleteClient(clientId: string): Promise<boolean>;
  listClients(query: ClientListQuery): Promise<ClientRecord[]>;
  /**
   * Clients of `source` not used since `unusedBefore` (never-used ones by creation time), oldest first.
   * For stale-client cleanup; a client used again meanwhile is simply not returned next time.
   */
  listStaleClients(source: ClientSource, unusedBefore: number, limit: number): Promise<ClientRecord[]>;
  /** Records use; may be coalesced (no more than one write per client per minute). */
  touchClient(clientId: string, at: number): Promise<void>;
  /** Number of clients per lane and disabled state (one grouped query, for the dashboard). */
  countClients(): Promise<ClientCount[]>;

  // ── resources ────────────────────────────────────────────────────────────
  /** Inserts each resource that is not stored yet; never changes a stored one (edits outlive restarts). */
  seedResources(resources: ResourceRecord[]): Promise<void>;
  listResources(): Promise<ResourceRecord[]>;
  /** Partial update; returns false when the resource does not exist. Last writer wins. */
  updateResource(resource: string, patch: Partial<Omit<ResourceRecord, 'resource'>>): Promise<boolean>;

  // ── users ────────────────────────────────────────────────────────────────
  /** Inserts a user. Rejects with a `UniqueViolation` if the e-mail (case-insensitive) exists. */
  createUser(user: UserRecord): Promise<void>;
  getUserById(id: string): Promise<UserRecord | undefined>;
  /** Case-insensitive lookup. */
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  updateUser(id: string, patch: Partial<Omit<UserRecord, 'id' | 'createdAt'>>): Promise<boolean>;
  /** Users ordered by lower-cased e-mail, keyset-paginated. */
  listUsers(query: UserListQuery): Promise<UserRecord[]>;

  // ── password resets ──────────────────────────────────────────────────────
  createPasswordReset(reset: PasswordResetRecord): Promise<void>;
  getPasswordReset(id: string): Promise<PasswordResetRecord | undefined>;
  /**
   * Marks the reset used. Atomic: of any number of concurrent callers, exactly one gets true, and only
   * while it is unused and `expiresAt > at`.
   */
  consumePasswordReset(id: string, at: number): Promise<boolean>;

  // ── browser sessions ─────────────────────────────────────────────────────
  createBrowserSession(session: BrowserSessionRecord): Promise<void>;
  getBrowserSession(id: string): Promise<BrowserSessionRecord | undefined>;
  revokeBrowserSession(id: string, at: number): Promise<void>;
  /** Revokes every browser session of the user; returns how many. */
  revokeUserBrowserSessions(userId: string, at: number): Promise<number>;

  // ── consent ──────────────────────────────────────────────────────────────
  getConsent(userId: string, clientId: string, resource: string): Promise<ConsentRecord | undefined>;
  /** Inserts or replaces the consent for (user, client, resource). Last writer wins. */
  saveConsent(consent: ConsentRecord): Promise<void>;
  deleteConsents(filter: { userId?: string; clientId?: string }): Promise<number>;

  // ── authorization codes ──────────────────────────────────────────────────
  createAuthorizationCode(code: AuthorizationCodeRecord): Promise<void>;
  getAuthorizationCode(id: string): Promise<AuthorizationCodeRecord | undefined>;
  /**
   * Marks the code consumed. Atomic: of any number of concurrent callers for one id, exactly one gets
   * `consumed`; the others get `already_consumed` (with the row, so the caller can revoke what it issued).
   */
  consumeAuthorizationCode(id: string, at: number): Promise<ConsumeCodeResult>;

  // ── grants and refresh tokens ────────────────────────────────────────────
  /**
   * Creates the grant and, if given, its first refresh token, in one transaction. Rejects if a grant
   * with that id exists (so a code's grant can be created only once).
   */
  createGrant(grant: GrantRecord, refreshToken?: RefreshTokenRecord): Promise<void>;
  getGrant(id: string): Promise<GrantRecord | undefined>;
  /** Revokes the grant and every refresh token of it. Idempotent; returns false if it did not exist. */
  revokeGrant(id: string, at: number, reason: string): Promise<boolean>;
  /** Revokes every grant matching the filter (and their refresh tokens); returns how many. An empty filter throws. */
  revokeGrants(filter: { userId?: string; clientId?: string }, at: number, reason: string): Promise<number>;
  listGrants(filter: { userId?: string; clientId?: string; activeOnly?: boolean }): Promise<GrantRecord[]>;

  getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Exchanges refresh token `id` for `successor` (same grant). Compare-and-swap on `rotatedAt`:
   * - not yet rotated: exactly one concurrent caller gets `rotated`, and its successor is stored;
   * - rotated less than `graceMs` ago (never, when graceMs is 0): `rotated_in_grace`, the successor is
   *   stored as a sibling in the same grant (concurrent refreshes by one client all succeed);
   * - rotated earlier: `reused`, and the whole grant is revoked (OAuth 2.1 §4.3.1; RFC 9700 §4.14.2) —
   *   even if the grant was revoked already, so every replay is reported as a replay;
   * - missing, revoked without rotation, expired (`expiresAt <= at`) or grant revoked: `invalid`.
   * A successor of another grant or client is refused (throws): a family never splits into two grants.
   */
  rotateRefreshToken(
    id: string,
    successor: RefreshTokenRecord,
    at: number,
    graceMs: number,
  ): Promise<RotateRefreshResult>;
  /** Revokes one refresh token only. */
  revokeRefreshToken(id: string, at: number): Promise<void>;

  // ── access-token denylist (RFC 7009 access-token revocation) ────────────
  /** Records a revoked JWT id until its expiry. Idempotent. */
  revokeAccessToken(jti: string, expiresAt: number): Promise<void>;
  isAccessTokenRevoked(jti: string): Promise<boolean>;

  // ── signing keys ─────────────────────────────────────────────────────────
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Rotates keys atomically (one transaction, serialised across instances): the `next` key becomes
   * `active`, the `active` one becomes `retiring` until `retireAt`, `newNext` is inserted as `next`, and
   * `retiring` keys whose retireAt has passed are deleted. When there is no key at all, `newNext` is
   * inserted and `initialActive` (required then) too. Returns the keys after the change.
   */
  rotateSigningKeys(input: {
    newNext: SigningKeyRecord;
    initialActive?: SigningKeyRecord;
    retireAt: number;
    at: number;
  }): Promise<SigningKeyRecord[]>;
  /**
   * Inserts the initial `active` and `next` keys only if the table is empty (several instances starting
   * at once: exactly one set wins). Returns the keys after the call.
   */
  ensureSigningKeys(active: SigningKeyRecord, next: SigningKeyRecord): Promise<SigningKeyRecord[]>;

  // ── audit ────────────────────────────────────────────────────────────────
  recordAuditEvent(event: AuditEventInput, at: number): Promise<void>;
  listAuditEvents(query: AuditQuery): Promise<AuditEventRecord[]>;

  // ── rate limits ──────────────────────────────────────────────────────────
  /**
   * Counts one hit for `key` in the fixed window of `windowMs` containing `at`. Atomic across
   * instances (a single upsert). `allowed` is false once the count exceeds `limit`.
   */
  hitRateLimit(key: string, limit: number, windowMs: number, at: number): Promise<RateLimitResult>;
  /** Clears the counter of `key` (e.g. after a successful sign-in). */
  resetRateLimit(key: string): Promise<void>;

  // ── housekeeping ─────────────────────────────────────────────────────────
  /** Deletes expired codes, refresh tokens, sessions, password resets, denylist rows and old rate-limit windows. */
  purgeExpired(at: number): Promise<void>;
}

/** Thrown by createUser/createClient on a duplicate key. */
export class UniqueViolation extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'UniqueViolation';
  }
}
