/**
 * PostgreSQL hot path: named prepared statements (parsed and planned once per pooled connection), one
 * round trip per verb. Data-modifying CTEs in one statement share one snapshot and commit together, so
 * each write verb is atomic without an explicit transaction.
 */

import type { Selectable } from 'kysely';
import type pg from 'pg';
import { AUDIT_CAPS, capString } from '../audit-caps.js';
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
  REDEEMED_AUDIT_TYPE,
  type RedeemCodeInput,
  type RedeemCodeOutcome,
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
  g.client_auth_method as g_client_auth_method,
  (u.id is not null and u.disabled_at is null) as user_active
from gatehouse_refresh_tokens t
join gatehouse_grants g on g.id = t.grant_id
left join gatehouse_users u on u.id = g.user_id
where t.id = $1`;
const GET_CODE = 'select * from gatehouse_authorization_codes where id = $1';
const GET_GRANT = 'select * from gatehouse_grants where id = $1';

// The grant row is locked first (FOR NO KEY UPDATE, as revokeGrant's update does), so
// everything that happens to one token family is serialised on it and the lock order is the same
// everywhere; the successor's foreign key takes only KEY SHARE, which that lock admits.
// The token is found by its primary key alone (the materialized `token`), and its grant and client,
// which never change, are compared there: with the grant and client conditions in the UPDATE itself,
// the planner was free to scan the client's index instead, and once a seeded table's statistics made
// client_id look selective it did, reading every token of the client on every rotation (the 1M-row
// bench fell from 2,000 to 500 rotations/s within three runs).
// Parameters: $1 token id, $2 grant id, $3 now, $4 client id, $5.. the successor (see refreshValues).
export const ROTATE = `
with token as materialized (
  select grant_id, client_id from gatehouse_refresh_tokens where id = $1
), g as (
  select gr.* from gatehouse_grants gr, token
  where gr.id = $2 and gr.revoked_at is null and token.grant_id = $2 and token.client_id = $4
  for no key update of gr
), swapped as (
  update gatehouse_refresh_tokens t set rotated_at = $3
  from g
  where t.id = $1 and t.rotated_at is null and t.revoked_at is null and t.expires_at > $3
  returning t.id
), successor as (
  insert into gatehouse_refresh_tokens
    (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
  select $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::bigint, $12::bigint from swapped
  returning id
)
select g.* from g where exists (select 1 from successor)`;

// $1 code id, $2 now, $3.. the grant (grantValues: $3 id, $4 user, $5 client, $6 scope, $7 resource,
// $8 session, $9 auth_time, $10 created_at), $11.. the refresh token or nulls, $19.. the audit event
// (redemptionAuditValues), $27 the grant's client authentication method or null.
const REDEEM = `
with consumed as (
  update gatehouse_authorization_codes set consumed_at = $2
  where id = $1 and consumed_at is null
  returning user_id
), u as (
  select * from gatehouse_users where id = $4::text
), g as (
  insert into gatehouse_grants
    (id, user_id, client_id, scope, resource, session_id, auth_time, created_at, client_auth_method)
  select $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::bigint, $10::bigint, $27::text
  from consumed join u on u.id = consumed.user_id
  where u.disabled_at is null
  returning id
), r as (
  insert into gatehouse_refresh_tokens
    (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
  select $11::text, $12::text, $13::text, $14::text, $15::text, $16::text, $17::bigint, $18::bigint
  from g where $11::text is not null
), a as (
  insert into gatehouse_audit_events (at, type, client_id, user_id, actor, ip, user_agent, detail)
  select $19::bigint, $20::text, $21::text, $22::text, $23::text, $24::text, $25::text, $26::text
  from g
)
select exists (select 1 from consumed) as gh_consumed, exists (select 1 from g) as gh_granted, u.*
from (values (1)) as one left join u on true`;

// One statement: the code is consumed only if it matches what the client presented (every condition the
// full path checks one by one), and the grant, refresh token and audit event are built from the
// consumed row. $1 code id, $2 secret hash, $3 client, $4 now, $5 S256 challenge, $6 redirect URI or
// null, $7 resource or null, $8-$10 refresh token (id, secret hash, expiry) or nulls, $11 ip, $12 agent,
// $13 the client authentication method of this exchange (stored on the grant) or null.
// As in ROTATE, the code is found by its primary key alone and its immutable columns compared on that
// row, so no plan can walk the client's index of codes instead.
export const REDEEM_MATCHING = `
with code as materialized (
  select * from gatehouse_authorization_codes where id = $1
), consumed as (
  update gatehouse_authorization_codes c set consumed_at = $4
  from code
  where c.id = code.id and c.consumed_at is null
    and code.secret_hash = $2 and code.client_id = $3 and code.expires_at > $4
    and code.code_challenge_method = 'S256' and code.code_challenge = $5
    and ($6::text is null or code.redirect_uri = $6::text)
    and ($7::text is null or code.resource = $7::text)
  returning c.*
), u as (
  select u.* from gatehouse_users u join consumed c on u.id = c.user_id
), g as (
  insert into gatehouse_grants
    (id, user_id, client_id, scope, resource, session_id, auth_time, created_at, client_auth_method)
  select c.grant_id, c.user_id, c.client_id, c.scope, c.resource, c.session_id, c.auth_time, $4, $13::text
  from consumed c join u on u.id = c.user_id
  where u.disabled_at is null
  returning id, user_id, client_id, scope, resource
), r as (
  insert into gatehouse_refresh_tokens
    (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
  select $8::text, $9::text, g.id, g.client_id, g.scope, g.resource, $4, $10::bigint
  from g where $8::text is not null
), a as (
  insert into gatehouse_audit_events (at, type, client_id, user_id, actor, ip, user_agent, detail)
  select $4, '${REDEEMED_AUDIT_TYPE}', g.client_id, g.user_id, null, $11::text, $12::text,
    json_build_object('grant_type', 'authorization_code', 'grantId', g.id)::text
  from g
)
select row_to_json(c) as code, (select row_to_json(g) from g) as granted,
  (select row_to_json(u) from u where u.disabled_at is null) as "user"
from consumed c`;

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
    } & { user_active: boolean };
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
    });
    return { token: refreshFromRow(row), grant, userActive: row.user_active };
  }

  async getAuthorizationCode(id: string) {
    const [row] = await this.#rows<Selectable<AuthorizationCodesTable>>('get_code', GET_CODE, [id]);
    return row ? codeFromRow(row) : undefined;
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const [row] = await this.#rows<Selectable<GrantsTable>>('get_grant', GET_GRANT, [id]);
    return row ? grantFromRow(row) : undefined;
  }

  async rotateIfFresh(id: string, successor: RefreshTokenRecord, at: number) {
    const values = [id, successor.grantId, at, successor.clientId, ...refreshValues(successor)];
    const [row] = await this.#rows<Selectable<GrantsTable>>('rotate', ROTATE, values);
    return row ? grantFromRow(row) : undefined;
  }

  async redeemCode(input: RedeemCodeInput): Promise<RedeemCodeOutcome> {
    checkRedeemInput(input);
    const values = [
      input.codeId,
      input.at,
      ...grantValues(input.grant),
      ...(input.refreshToken ? refreshValues(input.refreshToken) : NO_REFRESH),
      ...redemptionAuditValues(input.grant, input.audit, input.at),
      input.grant.clientAuthMethod ?? null,
    ];
    type Row = Selectable<UsersTable> & { gh_consumed: boolean; gh_granted: boolean };
    const [row] = await insertUnique(`grant ${input.grant.id}`, () =>
      this.#rows<Row>('redeem', REDEEM, values),
    );
    if (!row?.gh_consumed) return { status: 'not_consumed' };
    if (!row.gh_granted) return { status: 'user_inactive' };
    return { status: 'redeemed', user: userFromRow(row) };
  }

  async redeemMatchingCode(input: MatchingCodeRedemption): Promise<MatchingCodeOutcome | undefined> {
    const { expect, refreshToken: rt, audit } = input;
    const values = [
      input.id,
      expect.secretHash,
      expect.clientId,
      input.at,
      expect.codeChallenge,
      expect.redirectUri ?? null,
      expect.resource ?? null,
      rt?.id ?? null,
      rt?.secretHash ?? null,
      rt?.expiresAt ?? null,
      audit.ip === null ? null : capString(audit.ip, AUDIT_CAPS.ip),
      audit.userAgent === null ? null : capString(audit.userAgent, AUDIT_CAPS.userAgent),
      input.clientAuthMethod ?? null,
    ];
    type Row = {
      code: Selectable<AuthorizationCodesTable>;
      granted: unknown;
      user: Selectable<UsersTable> | null;
    };
    const [row] = await insertUnique('grant of a redeemed code', () =>
      this.#rows<Row>('redeem_matching', REDEEM_MATCHING, values),
    );
    if (!row) return undefined;
    return { code: codeFromRow(row.code), user: row.user && row.granted ? userFromRow(row.user) : undefined };
  }
}
