import { sql } from 'kysely';
import { clientFromRow, clientPatchToRow, clientToRow } from '../mappers.js';
import type { SqlDialect } from '../migrations.js';
import type { ClientListQuery, ClientRecord } from '../types.js';
import { likeContains } from './admin.js';
import { affected, clampLimit, insertUnique, type StoreContext, type Tx, writeTx } from './context.js';

/** touchClient writes at most once per this interval per client. */
const TOUCH_COALESCE_MS = 60_000;

export async function getClient(ctx: StoreContext, clientId: string): Promise<ClientRecord | undefined> {
  const row = await ctx.db
    .selectFrom('gatehouse_clients')
    .selectAll()
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return row ? clientFromRow(row) : undefined;
}

export async function createClient(ctx: StoreContext, client: ClientRecord): Promise<void> {
  await insertUnique(`client ${client.client_id}`, () =>
    ctx.db.insertInto('gatehouse_clients').values(clientToRow(client)).execute(),
  );
}

export async function upsertClient(ctx: StoreContext, client: ClientRecord): Promise<void> {
  const row = clientToRow(client);
  // createdAt, lastUsedAt and the disabled state belong to the existing row: seeding from config or
  // refreshing a CIMD document must not resurrect a client an operator disabled.
  const { client_id, created_at, last_used_at, disabled_at, disabled_reason, ...replaceable } = row;
  await ctx.db
    .insertInto('gatehouse_clients')
    .values(row)
    .onConflict((oc) => oc.column('client_id').doUpdateSet(replaceable))
    .execute();
}

export async function updateClient(
  ctx: StoreContext,
  clientId: string,
  patch: Partial<Omit<ClientRecord, 'client_id' | 'createdAt'>>,
): Promise<boolean> {
  const changes = clientPatchToRow(patch);
  if (Object.keys(changes).length === 0) return (await getClient(ctx, clientId)) !== undefined;
  const result = await ctx.db
    .updateTable('gatehouse_clients')
    .set(changes)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return affected(result) > 0;
}

export async function deleteClient(ctx: StoreContext, clientId: string): Promise<boolean> {
  return writeTx(ctx, async (tx) => {
    await lockClientForDelete(tx, ctx.dialect, clientId);
    return deleteClientRows(tx, clientId);
  });
}

/**
 * PostgreSQL: locks what deleting a client touches. Lock order matters. Grants first, as
 * rotateRefreshToken does (grant, then its tokens), so a rotation in flight finishes before we proceed.
 * Then the client row: FOR UPDATE blocks new rows that reference it (their foreign-key check takes KEY
 * SHARE), so nothing is created behind our back. Locking the client first would deadlock with a
 * rotation that holds its grant and is waiting to insert a successor referencing the client. (SQLite's
 * write transaction already excludes every other writer.)
 */
export async function lockClientForDelete(tx: Tx, dialect: SqlDialect, clientId: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await tx
    .selectFrom('gatehouse_grants')
    .select('id')
    .where('client_id', '=', clientId)
    .orderBy('id')
    .forUpdate()
    .execute();
  await tx
    .selectFrom('gatehouse_clients')
    .select('client_id')
    .where('client_id', '=', clientId)
    .forUpdate()
    .execute();
}

/** Deletes the client and its dependents, inside the caller's transaction; true if the client existed. */
export async function deleteClientRows(tx: Tx, clientId: string): Promise<boolean> {
  // Children before parents so foreign keys hold at every statement (PostgreSQL checks them
  // immediately). Tokens are matched by grant too, in case a token's client_id ever disagreed.
  const grantIds = tx.selectFrom('gatehouse_grants').select('id').where('client_id', '=', clientId);
  await tx
    .deleteFrom('gatehouse_refresh_tokens')
    .where((eb) => eb.or([eb('client_id', '=', clientId), eb('grant_id', 'in', grantIds)]))
    .execute();
  await tx.deleteFrom('gatehouse_authorization_codes').where('client_id', '=', clientId).execute();
  await tx.deleteFrom('gatehouse_consents').where('client_id', '=', clientId).execute();
  await tx.deleteFrom('gatehouse_grants').where('client_id', '=', clientId).execute();
  const result = await tx
    .deleteFrom('gatehouse_clients')
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return affected(result) > 0;
}

export async function listClients(ctx: StoreContext, query: ClientListQuery): Promise<ClientRecord[]> {
  let q = ctx.db.selectFrom('gatehouse_clients').selectAll();
  if (query.source !== undefined) q = q.where('source', '=', query.source);
  if (query.status === 'active') q = q.where('disabled_at', 'is', null);
  if (query.status === 'disabled') q = q.where('disabled_at', 'is not', null);
  if (query.text !== undefined && query.text !== '') {
    const pattern = likeContains(query.text);
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`lower(client_id) like ${pattern} escape '!'`,
        sql<boolean>`lower(client_name) like ${pattern} escape '!'`,
      ]),
    );
  }
  if (query.resource !== undefined) {
    // `resources` is a JSON array of strings; JSON.stringify gives the exact quoted element to find.
    const element = `%${JSON.stringify(query.resource).replace(/[!%_]/g, (c) => `!${c}`)}%`;
    q = q.where((eb) =>
      eb.or([eb('resources', '=', '[]'), sql<boolean>`resources like ${element} escape '!'`]),
    );
  }
  if (query.after !== undefined) q = q.where('client_id', '>', query.after);
  const rows = await q
    .orderBy('client_id')
    .limit(clampLimit(query.limit, 50, 500))
    .execute();
  return rows.map(clientFromRow);
}

export async function listStaleClients(
  ctx: StoreContext,
  source: ClientRecord['source'],
  unusedBefore: number,
  limit: number,
): Promise<ClientRecord[]> {
  const rows = await ctx.db
    .selectFrom('gatehouse_clients')
    .selectAll()
    .where('source', '=', source)
    .where((eb) => eb(eb.fn.coalesce('last_used_at', 'created_at'), '<', unusedBefore))
    .orderBy(sql`coalesce(last_used_at, created_at)`)
    .limit(clampLimit(limit, 100, 1000))
    .execute();
  return rows.map(clientFromRow);
}

export async function touchClient(ctx: StoreContext, clientId: string, at: number): Promise<void> {
  // The coalescing lives in the WHERE clause so it holds across instances without a read first.
  await ctx.db
    .updateTable('gatehouse_clients')
    .set({ last_used_at: at })
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', at - TOUCH_COALESCE_MS)]))
    .execute();
}
