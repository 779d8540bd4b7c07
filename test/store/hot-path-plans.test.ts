/**
 * The token endpoint's statements reach tokens and codes by primary key only, whatever the planner's
 * statistics say. Regression: after a bulk import (every client with one token, then ANALYZE), the
 * generic plan of the first one-step rotation scanned `gatehouse_refresh_tokens_client_idx` instead of
 * the primary key, reading every token of the client on every rotation: the 1M-row bench fell from
 * ~2,000 to ~500 rotations/s within three runs as the bench client's tokens piled up.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET_REFRESH_WITH_GRANT, REDEEM, ROTATE } from '../../src/store/hot/postgres.js';
import { openStore } from '../../src/store/index.js';
import { postgresBackend } from './backends.js';

const backend = postgresBackend();
let db: pg.Client;

beforeAll(async () => {
  const url = await backend.freshUrl();
  const store = await openStore(url);
  await store.migrate();
  await store.close();
  db = new pg.Client(url);
  await db.connect();
  // What bench/seed-scale.mjs writes: 1,000 clients, users, grants, tokens and codes, one each.
  const rows = (prefix: string) => `'${prefix}' || lpad(i::text, 7, '0')`;
  const series = 'from generate_series(1, 1000) i';
  await db.query(`insert into gatehouse_clients (client_id, source, client_name, redirect_uris, post_logout_redirect_uris,
      grant_types, response_types, token_endpoint_auth_method, application_type, resources, introspect, first_party,
      metadata, created_at, updated_at)
    select ${rows('c-')}, 'preregistered', 'c', '[]', '[]', '[]', '[]', 'none', 'web', '[]', '[]', 0, '{}', 0, 0 ${series}`);
  await db.query(`insert into gatehouse_users (id, email, email_lower, password_hash, admin, created_at)
    select ${rows('u-')}, ${rows('e-')}, ${rows('e-')}, 'x', 0, 0 ${series}`);
  await db.query(`insert into gatehouse_grants (id, user_id, client_id, scope, resource, auth_time, created_at)
    select ${rows('g-')}, ${rows('u-')}, ${rows('c-')}, 's', 'r', 0, 0 ${series}`);
  await db.query(`insert into gatehouse_refresh_tokens (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
    select ${rows('t-')}, 'h', ${rows('g-')}, ${rows('c-')}, 's', 'r', 0, 0 ${series}`);
  await db.query(`insert into gatehouse_authorization_codes (id, secret_hash, client_id, user_id, grant_id, redirect_uri,
      redirect_uri_explicit, scope, resource, auth_time, created_at, expires_at)
    select ${rows('a-')}, 'h', ${rows('c-')}, ${rows('u-')}, ${rows('ag-')}, 'r', 0, 's', 'r', 0, 0, 0 ${series}`);
  await db.query('analyze');
  // The plan a prepared statement settles on after five executions.
  await db.query('set plan_cache_mode = force_generic_plan');
});

afterAll(async () => {
  await db?.end();
  await backend.cleanup();
});

async function plan(name: string, sql: string, parameters: number): Promise<string> {
  await db.query(`prepare ${name} as ${sql}`);
  const args = Array.from({ length: parameters }, () => 'null').join(', ');
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`explain execute ${name}(${args})`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

const indexesOn = (text: string, table: string) =>
  [...text.matchAll(new RegExp(`using (${table}_\\w+) on ${table}`, 'g'))].map((m) => m[1]);

describe('hot path plans (PostgreSQL, generic plans on imported statistics)', () => {
  it('the data reproduces the hazard: a rotation that states grant and client in its UPDATE uses the client index', async () => {
    const naive = `update gatehouse_refresh_tokens t set rotated_at = $3
      where t.id = $1 and t.grant_id = $2 and t.client_id = $4 and t.rotated_at is null returning t.id`;
    expect(indexesOn(await plan('naive', naive, 4), 'gatehouse_refresh_tokens')).toEqual([
      'gatehouse_refresh_tokens_client_idx',
    ]);
  });

  it('the one-step rotation reads the token by its primary key only', async () => {
    const text = await plan('rotate', ROTATE, 5);
    expect(indexesOn(text, 'gatehouse_refresh_tokens')).toEqual(
      expect.arrayContaining(['gatehouse_refresh_tokens_pkey']),
    );
    expect(text).not.toMatch(/refresh_tokens_(client|grant|expires)_idx/);
  });

  it('the refresh read reaches the token, its grant and its user by their primary keys only', async () => {
    const text = await plan('refresh_with_grant', GET_REFRESH_WITH_GRANT, 1);
    expect(indexesOn(text, 'gatehouse_refresh_tokens')).toEqual(['gatehouse_refresh_tokens_pkey']);
    expect(indexesOn(text, 'gatehouse_grants')).toEqual(['gatehouse_grants_pkey']);
    expect(indexesOn(text, 'gatehouse_users')).toEqual(['gatehouse_users_pkey']);
    // The user's roles in the grant's organization (migration 0012) come with it, by primary key too.
    expect(text).not.toMatch(/organization_members_user_idx/);
  });

  it('the one-step redemption reads the code by its primary key only', async () => {
    const text = await plan('redeem', REDEEM, 29);
    expect(indexesOn(text, 'gatehouse_authorization_codes')).toEqual(
      expect.arrayContaining(['gatehouse_authorization_codes_pkey']),
    );
    expect(text).not.toMatch(/authorization_codes_(client|expires)_idx/);
  });
});
