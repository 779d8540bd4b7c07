/**
 * PostgreSQL hot path: named prepared statements (parsed and planned once per pooled connection), one
 * round trip per verb. Data-modifying CTEs in one statement share one snapshot and commit together, so
 * each write verb is atomic without an explicit transaction.
 */

import type { Selectable } from 'kysely';
import type pg from 'pg';
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

const GET_REFRESH = 'select * from gatehouse_refresh_tokens where id = $1';
// The token, its grant and the grant's user, each by primary key. Plain columns (the grant's prefixed),
// not row_to_json: no JSON to build on the server or to parse here.
export const GET_REFRESH_WITH_GRANT = `
select t.*, g.user_id as g_user_id, g.client_id as g_client_id, g.scope as g_scope, g.resource as g_resource,
  g.session_id as g_session_id, g.auth_time as g_auth_time, g.created_at as g_created_at,
  g.revoked_at as g_revoked_at, g.revoked_reason as g_revoked_reason,
  g.client_auth_method as g_client_auth_method, g.dpop_jkt as g_dpop_jkt, g.org_id as g_org_id,
  (u.id is not null and u.disabled_at is null) as user_active, m.roles as org_roles
from gatehouse_refresh_tokens t
join gatehouse_grants g on g.id = t.grant_id
left join gatehouse_users u on u.id = g.user_id
left join gatehouse_organization_members m on m.organization_id = g.org_id and m.user_id = g.user_id
where t.id = $1`;
const GET_CODE = 'select * from gatehouse_authorization_codes where id = $1';
const GET_GRANT = 'select * from gatehouse_grants where id = $1';

// The compare-and-swap. The grant row is locked first (FOR NO KEY UPDATE, as revokeGrant's update
// does), so everything that happens to one token family is serialised on it and the lock order is the
// same everywhere; the successor's foreign key takes only KEY SHARE, which that lock admits. The token is
// found by its primary key alone (the materialized `token`): a plan that scanned the client's index
// instead read every token of the client on every rotation (test/store/hot-path-plans.test.ts). The
// successor takes the swapped token's grant, client, scope and resource. `g` is the grant as it is once
// locked (a locking read follows a concurrent update), or nothing when it is revoked or gone.
// Parameters: $1 token id, $2 now, $3 successor id, $4 its secret hash, $5 its expiry.
export const ROTATE = `
with token as materialized (
  select grant_id from gatehouse_refresh_tokens where id = $1
), g as (
  select gr.* from gatehouse_grants gr, token
  where gr.id = token.grant_id and gr.revoked_at is null
  for no key update of gr
), swapped as (
  update gatehouse_refresh_tokens t set rotated_at = $2
  from g
  where t.id = $1 and t.rotated_at is null and t.revoked_at is null and t.expires_at > $2
  returning t.grant_id, t.client_id, t.scope, t.resource
), successor as (
  insert into gatehouse_refresh_tokens
    (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
  select $3::text, $4::text, s.grant_id, s.client_id, s.scope, s.resource, $2::bigint, $5::bigint
  from swapped s
  returning id
)
select g.*, exists (select 1 from successor) as gh_swapped
from (values (1)) as one left join g on true`;

// When nothing was swapped: the token and the row under the successor's id, read by a new statement. Its
// snapshot is taken after ROTATE ended, so after any rotation ROTATE waited for on the grant lock (a
// statement's own snapshot predates that wait, and rows inserted since are invisible to it).
const ROTATION_STATE = `
select (select row_to_json(t) from gatehouse_refresh_tokens t where t.id = $1) as token,
  (select row_to_json(t) from gatehouse_refresh_tokens t where t.id = $2) as successor`;

// Consumes the code (its key and `consumed_at is null` only) and, if its user is active, creates the
// grant, its refresh token and the audit event. $1 code id, $2 now, $3.. the grant (grantValues: $3 id,
// $4 user, $5 client, $6 scope, $7 resource, $8 session, $9 auth_time, $10 created_at, $11 client
// authentication method), $12.. the refresh token or nulls, $20.. the audit event, $28 the grant's DPoP key,
// $29 its organization.
export const REDEEM = `
with consumed as (
  update gatehouse_authorization_codes set consumed_at = $2
  where id = $1 and consumed_at is null
  returning user_id
), u as (
  select * from gatehouse_users where id = $4::text
), g as (
  insert into gatehouse_grants
    (id, user_id, client_id, scope, resource, session_id, auth_time, created_at, client_auth_method,
      dpop_jkt, org_id)
  select $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::bigint, $10::bigint, $11::text,
    $28::text, $29::text
  from consumed join u on u.id = consumed.user_id
  where u.disabled_at is null
  returning id
), r as (
  insert into gatehouse_refresh_tokens
    (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
  select $12::text, $13::text, $14::text, $15::text, $16::text, $17::text, $18::bigint, $19::bigint
  from g where $12::text is not null
), a as (
  insert into gatehouse_audit_events (at, type, client_id, user_id, actor, ip, user_agent, detail)
  select $20::bigint, $21::text, $22::text, $23::text, $24::text, $25::text, $26::text, $27::text
  from g
)
select exists (select 1 from consumed) as gh_consumed, exists (select 1 from g) as gh_granted, u.*
from (values (1)) as one left join u on true`;

const NO_REFRESH = new Array(8).fill(null);

export class PostgresHotPath implements HotPath {
  constructor(private readonly pool: pg.Pool) {}

  async #rows<R>(name: string, text: string, values: unknown[]): Promise<R[]> {
    const result = await this.pool.query({ name: `gatehouse_${name}`, text, values });
    return result.rows as R[];
  }

  async getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined> {
    const [row] = await this.#rows<Selectable<RefreshTokensTable>>('get_refresh', GET_REFRESH, [id]);
    return row ? refreshFromRow(row) : undefined;
  }

  async getRefreshTokenWithGrant(id: string): Promise<RefreshTokenWithGrant | undefined> {
    type Row = Selectable<RefreshTokensTable> & {
      [K in keyof Selectable<GrantsTable> as `g_${K & string}`]: Selectable<GrantsTable>[K];
    } & { user_active: boolean; org_roles: string | null };
    const [row] = await this.#rows<Row>('get_refresh_with_grant', GET_REFRESH_WITH_GRANT, [id]);
    if (!row) return undefined;
    const grant = grantFromRow({
      id: row.grant_id,
      user_id: row.g_user_id,
      client_id: row.g_client_id,
      scope: row.g_scope,
      resource: row.g_resource,
      session_id: row.g_session_id,
      auth_time: row.g_auth_time,
      created_at: row.g_created_at,
      revoked_at: row.g_revoked_at,
      revoked_reason: row.g_revoked_reason,
      client_auth_method: row.g_client_auth_method,
      dpop_jkt: row.g_dpop_jkt,
      org_id: row.g_org_id,
    });
    const roles = row.org_roles;
    return {
      token: refreshFromRow(row),
      grant,
      userActive: row.user_active,
      ...(roles === null ? {} : { orgRoles: roles.split(' ').filter(Boolean) }),
    };
  }

  async getAuthorizationCode(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const [row] = await this.#rows<Selectable<AuthorizationCodesTable>>('get_code', GET_CODE, [id]);
    return row ? codeFromRow(row) : undefined;
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const [row] = await this.#rows<Selectable<GrantsTable>>('get_grant', GET_GRANT, [id]);
    return row ? grantFromRow(row) : undefined;
  }

  async rotateRefreshToken(
    id: string,
    successor: SuccessorToken,
    at: number,
  ): Promise<RefreshSwap | undefined> {
    type Row = Selectable<GrantsTable> & { gh_swapped: boolean };
    const values = [id, at, successor.id, successor.secretHash, successor.expiresAt];
    const [row] = await this.#rows<Row>('rotate', ROTATE, values);
    const grant = row && row.id !== null ? grantFromRow(row) : undefined;
    if (row?.gh_swapped) return { swapped: true, grant: grant! };
    type State = {
      token: Selectable<RefreshTokensTable> | null;
      successor: Selectable<RefreshTokensTable> | null;
    };
    const [state] = await this.#rows<State>('rotation_state', ROTATION_STATE, [id, successor.id]);
    if (!state?.token) return undefined;
    return {
      swapped: false,
      token: refreshFromRow(state.token),
      successor: state.successor ? refreshFromRow(state.successor) : undefined,
      grant,
    };
  }

  async redeemAuthorizationCode(input: RedeemCodeInput): Promise<RedeemCodeResult> {
    checkRedeemInput(input);
    const values = [
      input.id,
      input.at,
      ...grantValues(input.grant),
      ...(input.refreshToken ? refreshValues(input.refreshToken) : NO_REFRESH),
      ...redemptionAuditValues(input),
      // $28: the DPoP key of the grant's refresh tokens (migration 0011), after the audit event.
      input.grant.dpopJkt ?? null,
      // $29: the grant's organization (migration 0012).
      input.grant.orgId ?? null,
    ];
    type Row = Selectable<UsersTable> & { gh_consumed: boolean; gh_granted: boolean };
    const [row] = await insertUnique(`grant ${input.grant.id}`, () =>
      this.#rows<Row>('redeem', REDEEM, values),
    );
    if (!row?.gh_consumed) return { status: 'already_consumed' };
    if (!row.gh_granted) return { status: 'user_inactive' };
    return { status: 'redeemed', user: userFromRow(row) };
  }
}
