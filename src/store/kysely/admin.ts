/** Resources, account tokens (password resets, e-mail verifications), user listing and client counts: the verbs behind the admin API. */
import { type Selectable, sql } from 'kysely';
import { normaliseEmail, userFromRow } from '../mappers.js';
import type { AccountTokensTable, ResourcesTable } from '../schema.js';
import type {
  AccountTokenPurpose,
  AccountTokenRecord,
  ClientCount,
  ClientSource,
  ResourceRecord,
  UserListQuery,
  UserRecord,
} from '../types.js';
import { affected, clampLimit, type StoreContext } from './context.js';

function resourceToRow(r: ResourceRecord): ResourcesTable {
  return {
    resource: r.resource,
    name: r.name,
    scopes: JSON.stringify(r.scopes),
    default_scopes: JSON.stringify(r.defaultScopes),
    lanes: JSON.stringify(r.lanes),
    updated_at: r.updatedAt,
    updated_by: r.updatedBy,
  };
}

function resourceFromRow(r: Selectable<ResourcesTable>): ResourceRecord {
  return {
    resource: r.resource,
    name: r.name,
    scopes: JSON.parse(r.scopes) as string[],
    defaultScopes: JSON.parse(r.default_scopes) as string[],
    lanes: JSON.parse(r.lanes) as ResourceRecord['lanes'],
    updatedAt: Number(r.updated_at),
    updatedBy: r.updated_by,
  };
}

export async function seedResources(ctx: StoreContext, resources: ResourceRecord[]): Promise<void> {
  if (resources.length === 0) return;
  // ON CONFLICT DO NOTHING: instances starting at once all seed, and an edited row is never reset.
  await ctx.db
    .insertInto('gatehouse_resources')
    .values(resources.map(resourceToRow))
    .onConflict((oc) => oc.column('resource').doNothing())
    .execute();
}

export async function listResources(ctx: StoreContext): Promise<ResourceRecord[]> {
  const rows = await ctx.db.selectFrom('gatehouse_resources').selectAll().orderBy('resource').execute();
  return rows.map(resourceFromRow);
}

export async function updateResource(
  ctx: StoreContext,
  resource: string,
  patch: Partial<Omit<ResourceRecord, 'resource'>>,
): Promise<boolean> {
  const changes: Partial<ResourcesTable> = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.scopes !== undefined) changes.scopes = JSON.stringify(patch.scopes);
  if (patch.defaultScopes !== undefined) changes.default_scopes = JSON.stringify(patch.defaultScopes);
  if (patch.lanes !== undefined) changes.lanes = JSON.stringify(patch.lanes);
  if (patch.updatedAt !== undefined) changes.updated_at = patch.updatedAt;
  if (patch.updatedBy !== undefined) changes.updated_by = patch.updatedBy;
  if (Object.keys(changes).length === 0) {
    const row = await ctx.db
      .selectFrom('gatehouse_resources')
      .select('resource')
      .where('resource', '=', resource)
      .executeTakeFirst();
    return row !== undefined;
  }
  const result = await ctx.db
    .updateTable('gatehouse_resources')
    .set(changes)
    .where('resource', '=', resource)
    .executeTakeFirst();
  return affected(result) > 0;
}

/** Escapes LIKE wildcards so a search for "a_b" does not match "axb". */
export function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export async function listUsers(ctx: StoreContext, query: UserListQuery): Promise<UserRecord[]> {
  let q = ctx.db.selectFrom('gatehouse_users').selectAll();
  if (query.text)
    q = q.where(sql<boolean>`email_lower like ${likeContains(normaliseEmail(query.text))} escape '!'`);
  if (query.after !== undefined) q = q.where('email_lower', '>', query.after);
  // The unique index on email_lower serves both the order and the cursor.
  const rows = await q
    .orderBy('email_lower')
    .limit(clampLimit(query.limit, 50, 500))
    .execute();
  return rows.map(userFromRow);
}

export async function countClients(ctx: StoreContext): Promise<ClientCount[]> {
  const rows = await ctx.db
    .selectFrom('gatehouse_clients')
    .select((eb) => [
      'source',
      eb.case().when('disabled_at', 'is', null).then(0).else(1).end().as('disabled'),
      eb.fn.countAll().as('count'),
    ])
    .groupBy(['source', 'disabled'])
    .orderBy('source')
    .execute();
  return rows.map((r) => ({
    source: r.source as ClientSource,
    disabled: Number(r.disabled) === 1,
    count: Number(r.count),
  }));
}

function tokenFromRow(r: Selectable<AccountTokensTable>): AccountTokenRecord {
  return {
    id: r.id,
    purpose: r.purpose as AccountTokenPurpose,
    secretHash: r.secret_hash,
    userId: r.user_id,
    email: r.email,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
  };
}

// The table keeps the name it had when it held password resets only (migration 0002); 0014 added
// `purpose` and `email` so e-mail verifications share the one single-use token machinery.
export async function createAccountToken(ctx: StoreContext, token: AccountTokenRecord): Promise<void> {
  await ctx.db
    .insertInto('gatehouse_password_resets')
    .values({
      id: token.id,
      purpose: token.purpose,
      secret_hash: token.secretHash,
      user_id: token.userId,
      email: token.email,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
      used_at: token.usedAt,
    })
    .execute();
}

export async function getAccountToken(
  ctx: StoreContext,
  id: string,
): Promise<AccountTokenRecord | undefined> {
  const row = await ctx.db
    .selectFrom('gatehouse_password_resets')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? tokenFromRow(row) : undefined;
}

export async function consumeAccountToken(ctx: StoreContext, id: string, at: number): Promise<boolean> {
  // One conditional UPDATE: the database serialises concurrent callers, so only one sees a changed row.
  const result = await ctx.db
    .updateTable('gatehouse_password_resets')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return affected(result) > 0;
}
