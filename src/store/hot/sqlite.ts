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
  GrantRecord,
  MatchingCodeRedemption,
  RefreshTokenRecord,
  RefreshTokenWithGrant,
} from '../records.js';
import type { AuthorizationCodesTable, GrantsTable, RefreshTokensTable, UsersTable } from '../schema.js';
import {
  checkRedeemInput,
  grantValues,
  type HotPath,
  type MatchingCodeOutcome,
  type RedeemCodeInput,
  type RedeemCodeOutcome,
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
  getRefreshWithGrant: `select t.*, g.*, u.id, u.disabled_at from gatehouse_refresh_tokens t
    join gatehouse_grants g on g.id = t.grant_id left join gatehouse_users u on u.id = g.user_id
    where t.id = ?`,
  getCode: 'select * from gatehouse_authorization_codes where id = ?',
  getGrant: 'select * from gatehouse_grants where id = ?',
  getUser: 'select * from gatehouse_users where id = ?',
  // `+column` keeps SQLite from using that column's index: the primary key is the only way in (see
  // ROTATE in ./postgres.ts for what a client_id index scan cost there).
  swap: `update gatehouse_refresh_tokens set rotated_at = ?
    where id = ? and +grant_id = ? and +client_id = ?
      and rotated_at is null and revoked_at is null and expires_at > ?
      and exists (select 1 from gatehouse_grants g where g.id = grant_id and g.revoked_at is null)`,
  insertRefresh: `insert into gatehouse_refresh_tokens
    (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
    values (?, ?, ?, ?, ?, ?, ?, ?)`,
  consume: 'update gatehouse_authorization_codes set consumed_at = ? where id = ? and consumed_at is null',
  insertGrant: `insert into gatehouse_grants
    (id, user_id, client_id, scope, resource, session_id, auth_time, created_at, client_auth_method)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  consumeMatching: `update gatehouse_authorization_codes set consumed_at = ?
    where id = ? and consumed_at is null and secret_hash = ? and +client_id = ? and expires_at > ?
      and code_challenge_method = 'S256' and code_challenge = ?
      and (? is null or redirect_uri = ?) and (? is null or resource = ?)
    returning *`,
  insertAudit: `insert into gatehouse_audit_events
    (at, type, client_id, user_id, actor, ip, user_agent, detail) values (?, ?, ?, ?, ?, ?, ?, ?)`,
} as const;

type Statements = { [K in keyof typeof SQL]: BetterSqlite3.Statement };

export class SqliteHotPath implements HotPath {
  #statements: Statements | undefined;
  readonly #rotate: (id: string, successor: RefreshTokenRecord, at: number) => GrantRecord | undefined;
  readonly #redeem: (input: RedeemCodeInput) => RedeemCodeOutcome;
  readonly #redeemMatching: (input: MatchingCodeRedemption) => MatchingCodeOutcome | undefined;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly queue: Queue,
  ) {
    this.#rotate = db.transaction((id: string, successor: RefreshTokenRecord, at: number) => {
      const s = this.#prepared();
      const swapped = s.swap.run(at, id, successor.grantId, successor.clientId, at);
      if (swapped.changes === 0) return undefined;
      s.insertRefresh.run(...refreshValues(successor));
      return grantFromRow(s.getGrant.get(successor.grantId) as Selectable<GrantsTable>);
    }).immediate;
    this.#redeem = db.transaction((input: RedeemCodeInput): RedeemCodeOutcome => {
      const s = this.#prepared();
      if (s.consume.run(input.at, input.codeId).changes === 0) return { status: 'not_consumed' };
      const user = s.getUser.get(input.grant.userId) as Selectable<UsersTable> | undefined;
      if (!user || user.disabled_at !== null) return { status: 'user_inactive' };
      s.insertGrant.run(...grantValues(input.grant), input.grant.clientAuthMethod ?? null);
      if (input.refreshToken) s.insertRefresh.run(...refreshValues(input.refreshToken));
      s.insertAudit.run(...redemptionAuditValues(input.grant, input.audit, input.at));
      return { status: 'redeemed', user: userFromRow(user) };
    }).immediate;
    this.#redeemMatching = db.transaction((input: MatchingCodeRedemption) => {
      const s = this.#prepared();
      const { expect: e, refreshToken: rt, at } = input;
      const redirect = e.redirectUri ?? null;
      const resource = e.resource ?? null;
      const row = s.consumeMatching.get(
        at,
        input.id,
        e.secretHash,
        e.clientId,
        at,
        e.codeChallenge,
        redirect,
        redirect,
        resource,
        resource,
      ) as Selectable<AuthorizationCodesTable> | undefined;
      if (!row) return undefined;
      const code = codeFromRow(row);
      const user = s.getUser.get(code.userId) as Selectable<UsersTable> | undefined;
      if (!user || user.disabled_at !== null) return { code, user: undefined };
      s.insertGrant.run(
        code.grantId,
        code.userId,
        code.clientId,
        code.scope,
        code.resource,
        code.sessionId,
        code.authTime,
        at,
        input.clientAuthMethod ?? null,
      );
      if (rt) {
        s.insertRefresh.run(
          rt.id,
          rt.secretHash,
          code.grantId,
          code.clientId,
          code.scope,
          code.resource,
          at,
          rt.expiresAt,
        );
      }
      s.insertAudit.run(
        ...redemptionAuditValues(
          { id: code.grantId, clientId: code.clientId, userId: code.userId },
          input.audit,
          at,
        ),
      );
      return { code, user: userFromRow(user) };
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
      const row = this.#prepared().getRefresh.get(id) as Selectable<RefreshTokensTable> | undefined;
      return row ? refreshFromRow(row) : undefined;
    });
  }

  getRefreshTokenWithGrant(id: string): Promise<RefreshTokenWithGrant | undefined> {
    type Row = {
      gatehouse_refresh_tokens: Selectable<RefreshTokensTable>;
      gatehouse_grants: Selectable<GrantsTable>;
      gatehouse_users: { id: string | null; disabled_at: number | null };
    };
    return this.#exclusive(() => {
      const row = this.#prepared().getRefreshWithGrant.get(id) as Row | undefined;
      if (!row) return undefined;
      const user = row.gatehouse_users;
      return {
        token: refreshFromRow(row.gatehouse_refresh_tokens),
        grant: grantFromRow(row.gatehouse_grants),
        userActive: user.id !== null && user.disabled_at === null,
      };
    });
  }

  getAuthorizationCode(id: string) {
    return this.#exclusive(() => {
      const row = this.#prepared().getCode.get(id) as Selectable<AuthorizationCodesTable> | undefined;
      return row ? codeFromRow(row) : undefined;
    });
  }

  getGrant(id: string): Promise<GrantRecord | undefined> {
    return this.#exclusive(() => {
      const row = this.#prepared().getGrant.get(id) as Selectable<GrantsTable> | undefined;
      return row ? grantFromRow(row) : undefined;
    });
  }

  rotateIfFresh(id: string, successor: RefreshTokenRecord, at: number) {
    return this.#exclusive(() => this.#rotate(id, successor, at));
  }

  redeemMatchingCode(input: MatchingCodeRedemption): Promise<MatchingCodeOutcome | undefined> {
    return insertUnique('grant of a redeemed code', () => this.#exclusive(() => this.#redeemMatching(input)));
  }

  redeemCode(input: RedeemCodeInput): Promise<RedeemCodeOutcome> {
    checkRedeemInput(input);
    return insertUnique(`grant ${input.grant.id}`, () => this.#exclusive(() => this.#redeem(input)));
  }
}
