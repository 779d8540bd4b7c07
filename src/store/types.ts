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

import type { BrandingStore } from './branding-records.js';
import type { ConnectionStore } from './connection-records.js';
import type { EnterpriseIdpStore } from './enterprise-idp-records.js';
import type { OrganizationStore } from './organization-records.js';
import type {
  AccountTokenRecord,
  AuditDayCount,
  AuditEventInput,
  AuditEventRecord,
  AuditQuery,
  AuthorizationCodeRecord,
  BrowserSessionRecord,
  ClientCount,
  ClientListQuery,
  ClientRecord,
  ClientSource,
  ConsentRecord,
  GrantRecord,
  RateLimitResult,
  RedeemCodeResult,
  RedemptionAudit,
  RefreshSwap,
  RefreshTokenRecord,
  RefreshTokenWithGrant,
  ResourceRecord,
  RotateSigningKeysInput,
  SigningKeyRecord,
  SuccessorToken,
  UserListQuery,
  UserRecord,
} from './records.js';

export * from './branding-records.js';
export * from './connection-records.js';
export * from './enterprise-idp-records.js';
export * from './organization-records.js';
export * from './records.js';

export interface Store extends EnterpriseIdpStore, BrandingStore, ConnectionStore, OrganizationStore {
  readonly dialect: 'sqlite' | 'postgres';

  /** Applies pending migrations. Safe when several instances call it at once (a database lock serialises them). */
  migrate(): Promise<void>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /**
   * Readiness: one committed write of one row keyed by `instance` (rewritten in place, so the database
   * does not grow; purged by housekeeping an hour after the instance stops). Rejects wherever writes
   * fail: a full disk, a read-only database. Any number of concurrent callers: last writer wins.
   */
  checkWritable(instance: string, at: number): Promise<void>;
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

  // ── account tokens (password resets, e-mail verifications) ─────────────────
  createAccountToken(token: AccountTokenRecord): Promise<void>;
  getAccountToken(id: string): Promise<AccountTokenRecord | undefined>;
  /**
   * Marks the token used. Atomic: of any number of concurrent callers, exactly one gets true, and only
   * while it is unused and `expiresAt > at`.
   */
  consumeAccountToken(id: string, at: number): Promise<boolean>;

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
  /**
   * The code as stored. The built-in stores answer for codes created through them from memory
   * (./code-cache.ts), so `consumedAt` may lag a consumption made through another instance: whether a
   * code is spent is settled by redeemAuthorizationCode alone.
   */
  getAuthorizationCode(id: string): Promise<AuthorizationCodeRecord | undefined>;
  /**
   * The one verb that creates a grant. Consumes code `id` and, if its user is active, creates `grant`
   * (whose id is the code's grantId), `refreshToken` and its `token.issued` audit event, all in one
   * statement (PostgreSQL) or transaction (SQLite). Decides nothing about the request: the caller has
   * checked the code (src/grants/code-checks.ts). Atomic: of any number of concurrent callers for one
   * id, exactly one consumes it (`consumed_at is null` is the only condition); the others get
   * `already_consumed` and write nothing. Rejects with UniqueViolation, consuming nothing, if the grant
   * exists already.
   */
  redeemAuthorizationCode(input: {
    id: string;
    at: number;
    grant: GrantRecord;
    refreshToken?: RefreshTokenRecord;
    audit: RedemptionAudit;
  }): Promise<RedeemCodeResult>;

  // ── grants and refresh tokens ────────────────────────────────────────────
  getGrant(id: string): Promise<GrantRecord | undefined>;
  /** Revokes the grant and every refresh token of it. Idempotent; returns false if it did not exist. */
  revokeGrant(id: string, at: number, reason: string): Promise<boolean>;
  /** Revokes every grant matching the filter (and their refresh tokens); returns how many. An empty filter throws. */
  revokeGrants(filter: { userId?: string; clientId?: string }, at: number, reason: string): Promise<number>;
  listGrants(filter: { userId?: string; clientId?: string; activeOnly?: boolean }): Promise<GrantRecord[]>;

  getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * The refresh token with its grant and its user's state, read together (one round trip; the refresh
   * grant's re-checks need all three). A plain read: no lock, no write.
   */
  getRefreshTokenWithGrant(id: string): Promise<RefreshTokenWithGrant | undefined>;
  /**
   * Compare-and-swap: if refresh token `id` is live (not rotated, not revoked, `expiresAt > at`, its grant
   * not revoked), marks it rotated at `at` and stores `successor` in its grant, with its client, scope and
   * resource (so a family never splits), and returns `swapped: true`. Exactly one concurrent caller
   * swaps a token. Otherwise it writes nothing and returns the state to decide on: the token, the row
   * stored under the successor's id, and the grant unless revoked. Undefined when there is no token
   * `id`. Retry, reuse and invalid are told apart by the caller (src/grants/refresh-rotation.ts).
   */
  rotateRefreshToken(id: string, successor: SuccessorToken, at: number): Promise<RefreshSwap | undefined>;
  /** Revokes one refresh token only. */
  revokeRefreshToken(id: string, at: number): Promise<void>;

  // ── access-token denylist (RFC 7009 access-token revocation) ────────────
  /** Records a revoked JWT id until its expiry. Idempotent. */
  revokeAccessToken(jti: string, expiresAt: number): Promise<void>;
  isAccessTokenRevoked(jti: string): Promise<boolean>;

  // ── client assertions (RFC 7523 §3: jti replay cache) ───────────────────
  /**
   * Records that `clientId` used assertion `jti`, valid until `expiresAt`. Atomic across instances (one
   * conditional insert): of any number of concurrent callers with the same (clientId, jti), exactly one
   * gets true; later callers get false until the row has expired (`expiresAt <= at`), after which the
   * id may be recorded again.
   */
  useClientAssertion(clientId: string, jti: string, expiresAt: number, at: number): Promise<boolean>;
  /**
   * The same rule for a SAML assertion's ID, scoped by the IdP's entityID, kept until the assertion's
   * NotOnOrAfter (SAML profiles §4.1.4.5; src/connections/saml-acs.ts): of concurrent callers with the
   * same (issuer, assertionId) exactly one gets true.
   */
  useSamlAssertion(issuer: string, assertionId: string, expiresAt: number, at: number): Promise<boolean>;
  /** The same rule for an ID-JAG's `jti`, scoped by the IdP's issuer (src/grants/id-jag.ts). */
  useIdJag(issuer: string, jti: string, expiresAt: number, at: number): Promise<boolean>;

  // ── signing keys ─────────────────────────────────────────────────────────
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Rotates keys atomically (one transaction, serialised across instances): the `next` key becomes
   * `active` (signing from `activateAt`), the `active` one becomes `retiring` until `retireAt`, `newNext`
   * is inserted as `next`, and `retiring` keys whose retireAt has passed are deleted. When there is no
   * key at all, `newNext` is inserted and `initialActive` (required then) too. With `expect`, a
   * compare-and-swap: if the active or next key is no longer the expected one, nothing changes (the
   * returned keys then lack `newNext`). Returns the keys after the call.
   */
  rotateSigningKeys(input: RotateSigningKeysInput): Promise<SigningKeyRecord[]>;
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
  /**
   * Records the single use of `key` until `expiresAt` (a decision, a form): true the first time, false
   * on every later call before `expiresAt`, on any instance (one upsert). Unlike a window of
   * hitRateLimit, it cannot be used again at the start of the next clock window.
   */
  claimOnce(key: string, expiresAt: number): Promise<boolean>;
  /**
   * Takes back one hit of `key` in the window containing `at` (never below zero), so a limit can
   * reserve a hit before an outcome is known and count only the bad outcomes. A single conditional
   * UPDATE: concurrent refunds and hits on any instance each move the count by exactly one.
   */
  refundRateLimit(key: string, windowMs: number, at: number): Promise<void>;

  // ── housekeeping ─────────────────────────────────────────────────────────
  /** Deletes expired codes, refresh tokens, sessions, account tokens, denylist rows, used client assertions and old rate-limit windows. */
  purgeExpired(at: number): Promise<void>;

  // ── bounded storage (issue 11) ───────────────────────────────────────────
  /**
   * Adds `count` events to the aggregate audit row named `key`, creating it from `event` (its `at` the
   * first event's time) if it does not exist; its `lastAt` becomes the latest `at`. Atomic across
   * instances (a single upsert): concurrent callers with one key all add to one row.
   */
  aggregateAuditEvent(key: string, event: AuditEventInput, count: number, at: number): Promise<void>;
  /**
   * Deletes audit events with `at < before` and, when `maxEvents` is given, all but the newest
   * `maxEvents`; returns how many. In batches of indexed rows, each its own statement (no long lock).
   */
  purgeAuditEvents(options: { before: number; maxEvents?: number }): Promise<number>;
  /** Events per type and UTC day since `since`, aggregate rows counted by their count (one grouped query). */
  countAuditEventsByDay(types: string[], since: number): Promise<AuditDayCount[]>;
  /**
   * Deletes, with their dependents, up to `limit` CIMD clients that are not disabled, not pinned, neither
   * used nor refreshed since `unusedBefore`, and have no live grant (an unrevoked grant with an unexpired,
   * unrevoked refresh token at `at`). Each is re-checked inside its delete's transaction, under the same
   * locks as deleteClient, so a client used or granted concurrently is kept. Returns the deleted ids.
   */
  deleteUnusedCimdClients(unusedBefore: number, at: number, limit: number): Promise<string[]>;
}

/** Thrown by createUser/createClient on a duplicate key. */
export class UniqueViolation extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'UniqueViolation';
  }
}
