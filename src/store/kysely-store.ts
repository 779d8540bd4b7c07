/**
 * The one `Store` implementation, over Kysely, for SQLite and PostgreSQL alike. The verbs live in
 * ./kysely/*.ts by area; this class wires them up and owns migration and lifecycle.
 */
import { type Kysely, Migrator, sql } from 'kysely';
import type { HotPath } from './hot/types.js';
import * as admin from './kysely/admin.js';
import * as clients from './kysely/clients.js';
import type { StoreContext } from './kysely/context.js';
import * as ops from './kysely/housekeeping.js';
import * as keys from './kysely/keys.js';
import * as retention from './kysely/retention.js';
import * as tokens from './kysely/tokens.js';
import * as users from './kysely/users.js';
import { migrationProvider, type SqlDialect } from './migrations.js';
import type { Database } from './schema.js';
import type {
  AuditDayCount,
  AuditEventInput,
  AuditEventRecord,
  AuditQuery,
  AuthorizationCodeRecord,
  BrowserSessionRecord,
  ClientCount,
  ClientListQuery,
  ClientRecord,
  ConsentRecord,
  GrantRecord,
  MatchingCodeRedemption,
  PasswordResetRecord,
  RateLimitResult,
  RedeemCodeResult,
  RefreshTokenRecord,
  RefreshTokenWithGrant,
  ResourceRecord,
  RotateRefreshResult,
  SigningKeyRecord,
  Store,
  UserListQuery,
  UserRecord,
} from './types.js';

/** Arbitrary constant ("GHMIG") naming the PostgreSQL advisory lock held while migrating. */
const MIGRATION_LOCK_ID = 0x4748_4d49_47;

/**
 * Our own bookkeeping tables rather than Kysely's defaults: Gatehouse is embedded and may share a
 * database with a host application that runs its own Kysely migrations, whose history in
 * `kysely_migration` would otherwise look like "missing" migrations to us (and ours to it).
 */
export const MIGRATION_TABLES = {
  migrationTableName: 'gatehouse_migration',
  migrationLockTableName: 'gatehouse_migration_lock',
} as const;

export interface KyselyStoreOptions {
  /** Called once after the database handle is destroyed (e.g. to release per-file bookkeeping). */
  onClose?: () => void;
}

export class KyselyStore implements Store {
  readonly #ctx: StoreContext;
  readonly #onClose: (() => void) | undefined;
  #closed = false;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialect,
    hot: HotPath,
    options: KyselyStoreOptions = {},
  ) {
    this.#ctx = { db, dialect, hot };
    this.#onClose = options.onClose;
  }

  /**
   * Runs Kysely's Migrator on one connection that first takes a database-wide lock. Kysely's own lock
   * only starts after it has created its bookkeeping tables, and on SQLite it is a no-op (and the DDL
   * runs outside a transaction); the outer lock makes even the very first run by several instances at
   * once safe: on PostgreSQL a session advisory lock, on SQLite one BEGIN IMMEDIATE transaction around
   * the whole run, so a failed migration also leaves no half-created schema behind.
   */
  async migrate(): Promise<void> {
    const provider = migrationProvider(this.dialect);
    await this.db.connection().execute(async (conn) => {
      if (this.dialect === 'postgres') {
        await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(conn);
        try {
          const { error } = await new Migrator({ db: conn, provider, ...MIGRATION_TABLES }).migrateToLatest();
          if (error) throw error;
        } finally {
          await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(conn);
        }
        return;
      }
      await sql`begin immediate`.execute(conn);
      try {
        const { error } = await new Migrator({ db: conn, provider, ...MIGRATION_TABLES }).migrateToLatest();
        if (error) throw error;
        await sql`commit`.execute(conn);
      } catch (error) {
        // Some SQLite errors already end the transaction; the migration error is the one to report.
        await sql`rollback`.execute(conn).catch(() => {});
        throw error;
      }
    });
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.db.destroy();
    } finally {
      this.#onClose?.();
    }
  }

  // ── clients ──────────────────────────────────────────────────────────────
  getClient(clientId: string): Promise<ClientRecord | undefined> {
    return clients.getClient(this.#ctx, clientId);
  }
  createClient(client: ClientRecord): Promise<void> {
    return clients.createClient(this.#ctx, client);
  }
  upsertClient(client: ClientRecord): Promise<void> {
    return clients.upsertClient(this.#ctx, client);
  }
  updateClient(
    clientId: string,
    patch: Partial<Omit<ClientRecord, 'client_id' | 'createdAt'>>,
  ): Promise<boolean> {
    return clients.updateClient(this.#ctx, clientId, patch);
  }
  deleteClient(clientId: string): Promise<boolean> {
    return clients.deleteClient(this.#ctx, clientId);
  }
  listClients(query: ClientListQuery): Promise<ClientRecord[]> {
    return clients.listClients(this.#ctx, query);
  }
  listStaleClients(
    source: ClientRecord['source'],
    unusedBefore: number,
    limit: number,
  ): Promise<ClientRecord[]> {
    return clients.listStaleClients(this.#ctx, source, unusedBefore, limit);
  }
  touchClient(clientId: string, at: number): Promise<void> {
    return clients.touchClient(this.#ctx, clientId, at);
  }
  countClients(): Promise<ClientCount[]> {
    return admin.countClients(this.#ctx);
  }

  // ── resources, password resets ───────────────────────────────────────────
  seedResources(resources: ResourceRecord[]): Promise<void> {
    return admin.seedResources(this.#ctx, resources);
  }
  listResources(): Promise<ResourceRecord[]> {
    return admin.listResources(this.#ctx);
  }
  updateResource(resource: string, patch: Partial<Omit<ResourceRecord, 'resource'>>): Promise<boolean> {
    return admin.updateResource(this.#ctx, resource, patch);
  }
  createPasswordReset(reset: PasswordResetRecord): Promise<void> {
    return admin.createPasswordReset(this.#ctx, reset);
  }
  getPasswordReset(id: string): Promise<PasswordResetRecord | undefined> {
    return admin.getPasswordReset(this.#ctx, id);
  }
  consumePasswordReset(id: string, at: number): Promise<boolean> {
    return admin.consumePasswordReset(this.#ctx, id, at);
  }

  // ── users, sessions, consent ─────────────────────────────────────────────
  createUser(user: UserRecord): Promise<void> {
    return users.createUser(this.#ctx, user);
  }
  getUserById(id: string): Promise<UserRecord | undefined> {
    return users.getUserById(this.#ctx, id);
  }
  getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return users.getUserByEmail(this.#ctx, email);
  }
  updateUser(id: string, patch: Partial<Omit<UserRecord, 'id' | 'createdAt'>>): Promise<boolean> {
    return users.updateUser(this.#ctx, id, patch);
  }
  listUsers(query: UserListQuery): Promise<UserRecord[]> {
    return admin.listUsers(this.#ctx, query);
  }
  createBrowserSession(session: BrowserSessionRecord): Promise<void> {
    return users.createBrowserSession(this.#ctx, session);
  }
  getBrowserSession(id: string): Promise<BrowserSessionRecord | undefined> {
    return users.getBrowserSession(this.#ctx, id);
  }
  revokeBrowserSession(id: string, at: number): Promise<void> {
    return users.revokeBrowserSession(this.#ctx, id, at);
  }
  revokeUserBrowserSessions(userId: string, at: number): Promise<number> {
    return users.revokeUserBrowserSessions(this.#ctx, userId, at);
  }
  getConsent(userId: string, clientId: string, resource: string): Promise<ConsentRecord | undefined> {
    return users.getConsent(this.#ctx, userId, clientId, resource);
  }
  saveConsent(consent: ConsentRecord): Promise<void> {
    return users.saveConsent(this.#ctx, consent);
  }
  deleteConsents(filter: { userId?: string; clientId?: string }): Promise<number> {
    return users.deleteConsents(this.#ctx, filter);
  }

  // ── codes, grants, refresh tokens, denylist ──────────────────────────────
  createAuthorizationCode(code: AuthorizationCodeRecord): Promise<void> {
    return tokens.createAuthorizationCode(this.#ctx, code);
  }
  getAuthorizationCode(id: string): Promise<AuthorizationCodeRecord | undefined> {
    return tokens.getAuthorizationCode(this.#ctx, id);
  }
  redeemMatchingCode(input: MatchingCodeRedemption) {
    return tokens.redeemMatchingCode(this.#ctx, input);
  }
  redeemAuthorizationCode(input: Parameters<Store['redeemAuthorizationCode']>[0]): Promise<RedeemCodeResult> {
    return tokens.redeemAuthorizationCode(this.#ctx, input);
  }
  createGrant(grant: GrantRecord, refreshToken?: RefreshTokenRecord): Promise<void> {
    return tokens.createGrant(this.#ctx, grant, refreshToken);
  }
  getGrant(id: string): Promise<GrantRecord | undefined> {
    return tokens.getGrant(this.#ctx, id);
  }
  revokeGrant(id: string, at: number, reason: string): Promise<boolean> {
    return tokens.revokeGrant(this.#ctx, id, at, reason);
  }
  revokeGrants(filter: { userId?: string; clientId?: string }, at: number, reason: string): Promise<number> {
    return tokens.revokeGrants(this.#ctx, filter, at, reason);
  }
  listGrants(filter: { userId?: string; clientId?: string; activeOnly?: boolean }): Promise<GrantRecord[]> {
    return tokens.listGrants(this.#ctx, filter);
  }
  getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined> {
    return tokens.getRefreshToken(this.#ctx, id);
  }
  getRefreshTokenWithGrant(id: string): Promise<RefreshTokenWithGrant | undefined> {
    return this.#ctx.hot.getRefreshTokenWithGrant(id);
  }
  rotateRefreshToken(
    id: string,
    successor: RefreshTokenRecord,
    at: number,
    graceMs: number,
  ): Promise<RotateRefreshResult> {
    return tokens.rotateRefreshToken(this.#ctx, id, successor, at, graceMs);
  }
  revokeRefreshToken(id: string, at: number): Promise<void> {
    return tokens.revokeRefreshToken(this.#ctx, id, at);
  }
  revokeAccessToken(jti: string, expiresAt: number): Promise<void> {
    return tokens.revokeAccessToken(this.#ctx, jti, expiresAt);
  }
  isAccessTokenRevoked(jti: string): Promise<boolean> {
    return tokens.isAccessTokenRevoked(this.#ctx, jti);
  }
  useClientAssertion(clientId: string, jti: string, expiresAt: number, at: number): Promise<boolean> {
    return tokens.useClientAssertion(this.#ctx, clientId, jti, expiresAt, at);
  }

  // ── signing keys ─────────────────────────────────────────────────────────
  listSigningKeys(): Promise<SigningKeyRecord[]> {
    return keys.listSigningKeys(this.#ctx);
  }
  rotateSigningKeys(input: {
    newNext: SigningKeyRecord;
    initialActive?: SigningKeyRecord;
    retireAt: number;
    at: number;
  }): Promise<SigningKeyRecord[]> {
    return keys.rotateSigningKeys(this.#ctx, input);
  }
  ensureSigningKeys(active: SigningKeyRecord, next: SigningKeyRecord): Promise<SigningKeyRecord[]> {
    return keys.ensureSigningKeys(this.#ctx, active, next);
  }

  // ── audit, rate limits, housekeeping ─────────────────────────────────────
  recordAuditEvent(event: AuditEventInput, at: number): Promise<void> {
    return ops.recordAuditEvent(this.#ctx, event, at);
  }
  listAuditEvents(query: AuditQuery): Promise<AuditEventRecord[]> {
    return ops.listAuditEvents(this.#ctx, query);
  }
  hitRateLimit(key: string, limit: number, windowMs: number, at: number): Promise<RateLimitResult> {
    return ops.hitRateLimit(this.#ctx, key, limit, windowMs, at);
  }
  resetRateLimit(key: string): Promise<void> {
    return ops.resetRateLimit(this.#ctx, key);
  }
  refundRateLimit(key: string, windowMs: number, at: number): Promise<void> {
    return ops.refundRateLimit(this.#ctx, key, windowMs, at);
  }
  purgeExpired(at: number): Promise<void> {
    return ops.purgeExpired(this.#ctx, at);
  }

  // ── bounded storage ──────────────────────────────────────────────────────
  aggregateAuditEvent(key: string, event: AuditEventInput, count: number, at: number): Promise<void> {
    return retention.aggregateAuditEvent(this.#ctx, key, event, count, at);
  }
  purgeAuditEvents(options: { before: number; maxEvents?: number }): Promise<number> {
    return retention.purgeAuditEvents(this.#ctx, options);
  }
  countAuditEventsByDay(types: string[], since: number): Promise<AuditDayCount[]> {
    return retention.countAuditEventsByDay(this.#ctx, types, since);
  }
  deleteUnusedCimdClients(unusedBefore: number, at: number, limit: number): Promise<string[]> {
    return retention.deleteUnusedCimdClients(this.#ctx, unusedBefore, at, limit);
  }
}
