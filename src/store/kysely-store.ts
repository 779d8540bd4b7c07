/**
 * The one `Store` implementation for SQLite and PostgreSQL. Each verb has exactly one implementation per
 * backend: the token endpoint's verbs in raw SQL per dialect (./hot/), every other verb over Kysely for
 * both dialects (./kysely/*.ts by area). This class wires them up and owns migration, lifecycle and the
 * optional client cache (./client-cache.ts).
 */
import { type Kysely, Migrator, sql } from 'kysely';
import { type CachedClientVerbs, ClientCache, type ClientCacheOptions } from './client-cache.js';
import { IssuedCodes } from './code-cache.js';
import type { HotPath } from './hot/types.js';
import * as admin from './kysely/admin.js';
import * as clients from './kysely/clients.js';
import type { StoreContext } from './kysely/context.js';
import * as ops from './kysely/housekeeping.js';
import * as keys from './kysely/keys.js';
import { OrganizationVerbs } from './kysely/organizations.js';
import * as readiness from './kysely/readiness.js';
import * as retention from './kysely/retention.js';
import * as saml from './kysely/saml.js';
import * as tokens from './kysely/tokens.js';
import * as users from './kysely/users.js';
import { migrationProvider, type SqlDialect } from './migrations.js';
import type { Database } from './schema.js';
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
  ConsentRecord,
  GrantRecord,
  RateLimitResult,
  RedeemCodeResult,
  RefreshSwap,
  RefreshTokenRecord,
  RefreshTokenWithGrant,
  ResourceRecord,
  RotateSigningKeysInput,
  SigningKeyRecord,
  Store,
  SuccessorToken,
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
  /** The connection pool's state now (PostgreSQL), for the metrics (src/metrics/prometheus.ts). */
  poolStats?: () => { total: number; idle: number; waiting: number; max: number };
}

export class KyselyStore extends OrganizationVerbs implements Store {
  readonly #ctx: StoreContext;
  readonly #hot: HotPath;
  /** Codes created here, so this instance checks their exchange without reading them back. */
  readonly #codes = new IssuedCodes();
  readonly #onClose: (() => void) | undefined;
  #closed = false;
  /** The pool's connections now; undefined without a pool (SQLite). Not a Store verb. */
  poolStats: () => ReturnType<NonNullable<KyselyStoreOptions['poolStats']>> | undefined;
  /** The client verbs: straight to SQL, or through a ClientCache once cacheClients is called. */
  #clients: CachedClientVerbs;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialect,
    hot: HotPath,
    options: KyselyStoreOptions = {},
  ) {
    super({ db, dialect });
    this.#ctx = { db, dialect };
    this.#hot = hot;
    this.#onClose = options.onClose;
    this.poolStats = options.poolStats ?? (() => undefined);
    this.#clients = this.#uncachedClients();
  }

  /** Serves getClient from a read-through cache, invalidated by this store's client writes. */
  cacheClients(options: ClientCacheOptions): void {
    this.#clients = new ClientCache(this.#uncachedClients(), options);
  }

  #uncachedClients(): CachedClientVerbs {
    const ctx = this.#ctx;
    return {
      getClient: (clientId) => clients.getClient(ctx, clientId),
      createClient: (client) => clients.createClient(ctx, client),
      upsertClient: (client) => clients.upsertClient(ctx, client),
      updateClient: (clientId, patch) => clients.updateClient(ctx, clientId, patch),
      deleteClient: (clientId) => clients.deleteClient(ctx, clientId),
      deleteUnusedCimdClients: (unusedBefore, at, limit) =>
        retention.deleteUnusedCimdClients(ctx, unusedBefore, at, limit),
      touchClient: (clientId, at) => clients.touchClient(ctx, clientId, at),
    };
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

  checkWritable(instance: string, at: number): Promise<void> {
    return readiness.checkWritable(this.#ctx, instance, at);
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
    return this.#clients.getClient(clientId);
  }
  createClient(client: ClientRecord): Promise<void> {
    return this.#clients.createClient(client);
  }
  upsertClient(client: ClientRecord): Promise<void> {
    return this.#clients.upsertClient(client);
  }
  updateClient(
    clientId: string,
    patch: Partial<Omit<ClientRecord, 'client_id' | 'createdAt'>>,
  ): Promise<boolean> {
    return this.#clients.updateClient(clientId, patch);
  }
  async deleteClient(clientId: string): Promise<boolean> {
    const deleted = await this.#clients.deleteClient(clientId);
    this.#codes.forgetAll();
    return deleted;
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
    return this.#clients.touchClient(clientId, at);
  }
  countClients(): Promise<ClientCount[]> {
    return admin.countClients(this.#ctx);
  }

  // ── resources, account tokens ───────────────────────────────────────────
  seedResources(resources: ResourceRecord[]): Promise<void> {
    return admin.seedResources(this.#ctx, resources);
  }
  listResources(): Promise<ResourceRecord[]> {
    return admin.listResources(this.#ctx);
  }
  updateResource(resource: string, patch: Partial<Omit<ResourceRecord, 'resource'>>): Promise<boolean> {
    return admin.updateResource(this.#ctx, resource, patch);
  }
  createAccountToken(token: AccountTokenRecord): Promise<void> {
    return admin.createAccountToken(this.#ctx, token);
  }
  getAccountToken(id: string): Promise<AccountTokenRecord | undefined> {
    return admin.getAccountToken(this.#ctx, id);
  }
  consumeAccountToken(id: string, at: number): Promise<boolean> {
    return admin.consumeAccountToken(this.#ctx, id, at);
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
  async createAuthorizationCode(code: AuthorizationCodeRecord): Promise<void> {
    await tokens.createAuthorizationCode(this.#ctx, code);
    this.#codes.remember(code);
  }
  async getAuthorizationCode(id: string): Promise<AuthorizationCodeRecord | undefined> {
    return this.#codes.recall(id) ?? this.#hot.getAuthorizationCode(id);
  }
  async redeemAuthorizationCode(
    input: Parameters<Store['redeemAuthorizationCode']>[0],
  ): Promise<RedeemCodeResult> {
    const result = await this.#hot.redeemAuthorizationCode(input);
    this.#codes.redeemed(input.id);
    return result;
  }
  getGrant(id: string): Promise<GrantRecord | undefined> {
    return this.#hot.getGrant(id);
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
    return this.#hot.getRefreshToken(id);
  }
  getRefreshTokenWithGrant(id: string): Promise<RefreshTokenWithGrant | undefined> {
    return this.#hot.getRefreshTokenWithGrant(id);
  }
  rotateRefreshToken(id: string, successor: SuccessorToken, at: number): Promise<RefreshSwap | undefined> {
    return this.#hot.rotateRefreshToken(id, successor, at);
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
  useSamlAssertion(issuer: string, assertionId: string, expiresAt: number, at: number): Promise<boolean> {
    return saml.useSamlAssertion(this.#ctx, issuer, assertionId, expiresAt, at);
  }
  useIdJag(issuer: string, jti: string, expiresAt: number, at: number): Promise<boolean> {
    return tokens.useIdJag(this.#ctx, issuer, jti, expiresAt, at);
  }

  // ── signing keys ─────────────────────────────────────────────────────────
  listSigningKeys(): Promise<SigningKeyRecord[]> {
    return keys.listSigningKeys(this.#ctx);
  }
  rotateSigningKeys(input: RotateSigningKeysInput): Promise<SigningKeyRecord[]> {
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
  claimOnce(key: string, expiresAt: number): Promise<boolean> {
    return ops.claimOnce(this.#ctx, key, expiresAt);
  }
  refundRateLimit(key: string, windowMs: number, at: number): Promise<void> {
    return ops.refundRateLimit(this.#ctx, key, windowMs, at);
  }
  async purgeExpired(at: number): Promise<void> {
    await ops.purgeExpired(this.#ctx, at);
    this.#codes.forgetExpired(at);
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
  async deleteUnusedCimdClients(unusedBefore: number, at: number, limit: number): Promise<string[]> {
    const deleted = await this.#clients.deleteUnusedCimdClients(unusedBefore, at, limit);
    if (deleted.length > 0) this.#codes.forgetAll();
    return deleted;
  }
}
