/**
 * SQLite hot path: better-sqlite3 statements prepared once, each write verb one synchronous BEGIN
 * IMMEDIATE transaction. It takes the same per-file queue as Kysely's connection (../sqlite.ts), so it
 * never runs inside, or interleaves with, a Kysely transaction that is awaiting its next statement.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { insertUnique } from '../kysely/context.js';
import { codeFromRow, grantFromRow, refreshFromRow, userFromRow } from '../mappers.js';
import type {
  AuthorizationCodeRecord,
  GrantRecord,
  RedeemCodeResult,
  RefreshSwap,
  RefreshTokenRecord,
  RefreshTokenWithGrant,
  SuccessorToken,
} from '../records.js';
import type { AuthorizationCodesTable, GrantsTable, RefreshTokensTable, UsersTable } from '../schema.js';
import {
  checkRedeemInput,
  grantValues,
  type HotPath,
  type RedeemCodeInput,
  redemptionAuditValues,
  refreshValues,
} from './types.js';

export interface Queue {
  lock(): Promise<void>;
  unlock(): void;
}

const SQL = {
  getRefresh: 'select * from gatehouse_refresh_tokens where id = ?',
  // Read with expand(): each row comes back namespaced by table.
  getRefreshWithGrant: `select t.*, g.*, u.id, u.disabled_at, m.roles from gatehouse_refresh_tokens t
    join gatehouse_grants g on g.id = t.grant_id left join gatehouse_users u on u.id = g.user_id
    left join gatehouse_organization_members m on m.organization_id = g.org_id and m.user_id = g.user_id
    where t.id = ?`,
  getCode: 'select * from gatehouse_authorization_codes where id = ?',
  getGrant: 'select * from gatehouse_grants where id = ?',
  getGrantOfToken: `select g.* from gatehouse_refresh_tokens t join gatehouse_grants g on g.id = t.grant_id
    where t.id = ?`,
  getUser: 'select * from gatehouse_users where id = ?',
  // The compare-and-swap: the key and liveness only (see ./types.ts).
  swap: `update gatehouse_refresh_tokens set rotated_at = ?
    where id = ? and rotated_at is null and revoked_at is null and expires_at > ?
      and exists (select 1 from gatehouse_grants g where g.id = grant_id and g.revoked_at is null)`,
  // The successor joins the swapped token's grant, client, scope and resource.
  insertSuccessor: `insert into gatehouse_refresh_tokens
    (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
    select ?, ?, grant_id, client_id, scope, resource, ?, ? from gatehouse_refresh_tokens where id = ?`,
  insertRefresh: `insert into gatehouse_refresh_tokens
    (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
    values (?, ?, ?, ?, ?, ?, ?, ?)`,
  consume: 'update gatehouse_authorization_codes set consumed_at = ? where id = ? and consumed_at is null',
  insertGrant: `insert into gatehouse_grants
    (id, user_id, client_id, scope, resource, session_id, auth_time, created_at, client_auth_method,
      dpop_jkt, org_id)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertAudit: `insert into gatehouse_audit_events
    (at, type, client_id, user_id, actor, ip, user_agent, detail) values (?, ?, ?, ?, ?, ?, ?, ?)`,
} as const;

type Statements = { [K in keyof typeof SQL]: BetterSqlite3.Statement };
type Row<T> = Selectable<T> | undefined;

export class SqliteHotPath implements HotPath {
  #statements: Statements | undefined;
  readonly #rotate: (id: string, successor: SuccessorToken, at: number) => RefreshSwap | undefined;
  readonly #redeem: (input: RedeemCodeInput) => RedeemCodeResult;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly queue: Queue,
  ) {
    this.#rotate = db.transaction(
      (id: string, successor: SuccessorToken, at: number): RefreshSwap | undefined => {
        const s = this.#prepared();
        const grantOf = (grantId: string) => {
          const row = s.getGrant.get(grantId) as Row<GrantsTable>;
          return row && row.revoked_at === null ? grantFromRow(row) : undefined;
        };
        if (s.swap.run(at, id, at).changes === 1) {
          s.insertSuccessor.run(successor.id, successor.secretHash, at, successor.expiresAt, id);
          const grant = s.getGrantOfToken.get(id) as Selectable<GrantsTable>;
          return { swapped: true, grant: grantFromRow(grant) };
        }
        const token = s.getRefresh.get(id) as Row<RefreshTokensTable>;
        if (!token) return undefined;
        const stored = s.getRefresh.get(successor.id) as Row<RefreshTokensTable>;
        return {
          swapped: false,
          token: refreshFromRow(token),
          successor: stored && refreshFromRow(stored),
          grant: grantOf(token.grant_id),
        };
      },
    ).immediate;
    this.#redeem = db.transaction((input: RedeemCodeInput): RedeemCodeResult => {
      const s = this.#prepared();
      if (s.consume.run(input.at, input.id).changes === 0) return { status: 'already_consumed' };
      const user = s.getUser.get(input.grant.userId) as Row<UsersTable>;
      if (!user || user.disabled_at !== null) return { status: 'user_inactive' };
      s.insertGrant.run(...grantValues(input.grant), input.grant.dpopJkt ?? null, input.grant.orgId ?? null);
      if (input.refreshToken) s.insertRefresh.run(...refreshValues(input.refreshToken));
      s.insertAudit.run(...redemptionAuditValues(input));
      return { status: 'redeemed', user: userFromRow(user) };
    }).immediate;
  }

  /** Prepared on first use: the tables exist only once the store has migrated. */
  #prepared(): Statements {
    if (!this.#statements) {
      const entries = Object.entries(SQL).map(([key, sql]) => [key, this.db.prepare(sql)]);
      this.#statements = Object.fromEntries(entries) as Statements;
      this.#statements.getRefreshWithGrant.expand(true);
    }
    return this.#statements;
  }

  async #exclusive<T>(fn: () => T): Promise<T> {
    await this.queue.lock();
    try {
      return fn();
    } finally {
      this.queue.unlock();
    }
  }

  getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined> {
    return this.#exclusive(() => {
      const row = this.#prepared().getRefresh.get(id) as Row<RefreshTokensTable>;
      return row ? refreshFromRow(row) : undefined;
    });
  }

  getRefreshTokenWithGrant(id: string): Promise<RefreshTokenWithGrant | undefined> {
    type Joined = {
      gatehouse_refresh_tokens: Selectable<RefreshTokensTable>;
      gatehouse_grants: Selectable<GrantsTable>;
      gatehouse_users: { id: string | null; disabled_at: number | null };
      gatehouse_organization_members: { roles: string | null };
    };
    return this.#exclusive(() => {
      const row = this.#prepared().getRefreshWithGrant.get(id) as Joined | undefined;
      if (!row) return undefined;
      const user = row.gatehouse_users;
      const roles = row.gatehouse_organization_members.roles;
      return {
        token: refreshFromRow(row.gatehouse_refresh_tokens),
        grant: grantFromRow(row.gatehouse_grants),
        userActive: user.id !== null && user.disabled_at === null,
        ...(roles === null ? {} : { orgRoles: roles.split(' ').filter(Boolean) }),
      };
    });
  }

  getAuthorizationCode(id: string): Promise<AuthorizationCodeRecord | undefined> {
    return this.#exclusive(() => {
      const row = this.#prepared().getCode.get(id) as Row<AuthorizationCodesTable>;
      return row ? codeFromRow(row) : undefined;
    });
  }

  getGrant(id: string): Promise<GrantRecord | undefined> {
    return this.#exclusive(() => {
      const row = this.#prepared().getGrant.get(id) as Row<GrantsTable>;
      return row ? grantFromRow(row) : undefined;
    });
  }

  rotateRefreshToken(id: string, successor: SuccessorToken, at: number): Promise<RefreshSwap | undefined> {
    return this.#exclusive(() => this.#rotate(id, successor, at));
  }

  async redeemAuthorizationCode(input: RedeemCodeInput): Promise<RedeemCodeResult> {
    checkRedeemInput(input);
    return insertUnique(`grant ${input.grant.id}`, () => this.#exclusive(() => this.#redeem(input)));
  }
}
