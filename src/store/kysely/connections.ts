/** Upstream connection states and linked identities (connection-records.ts). */
import type { Kysely } from 'kysely';
import type { ConnectionStateRecord, LinkedIdentityRecord } from '../connection-records.js';
import { affected, insertUnique, type StoreContext } from './context.js';

type StatesTable = {
  id: string;
  connection_id: string;
  binding_hash: string;
  interaction: string | null;
  return_to: string | null;
  link_user_id: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
};

type LinkedTable = {
  issuer: string;
  subject: string;
  connection_id: string;
  user_id: string;
  email: string | null;
  created_at: number;
  last_used_at: number | null;
};

type Tables = {
  gatehouse_connection_states: StatesTable;
  gatehouse_linked_identities: LinkedTable;
};

function db(ctx: StoreContext): Kysely<Tables> {
  return ctx.db.withTables<Tables>() as unknown as Kysely<Tables>;
}

function stateFromRow(r: StatesTable): ConnectionStateRecord {
  return {
    id: r.id,
    connectionId: r.connection_id,
    bindingHash: r.binding_hash,
    interaction: r.interaction,
    returnTo: r.return_to,
    linkUserId: r.link_user_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    consumedAt: r.consumed_at === null ? null : Number(r.consumed_at),
  };
}

function linkFromRow(r: LinkedTable): LinkedIdentityRecord {
  return {
    issuer: r.issuer,
    subject: r.subject,
    connectionId: r.connection_id,
    userId: r.user_id,
    email: r.email,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}

export async function createConnectionState(ctx: StoreContext, s: ConnectionStateRecord): Promise<void> {
  await db(ctx)
    .insertInto('gatehouse_connection_states')
    .values({
      id: s.id,
      connection_id: s.connectionId,
      binding_hash: s.bindingHash,
      interaction: s.interaction,
      return_to: s.returnTo,
      link_user_id: s.linkUserId,
      created_at: s.createdAt,
      expires_at: s.expiresAt,
      consumed_at: s.consumedAt,
    })
    .execute();
}

export async function getConnectionState(
  ctx: StoreContext,
  id: string,
): Promise<ConnectionStateRecord | undefined> {
  const row = await db(ctx)
    .selectFrom('gatehouse_connection_states')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? stateFromRow(row) : undefined;
}

/** One conditional UPDATE … RETURNING: the database decides which concurrent caller consumes it. */
export async function consumeConnectionState(
  ctx: StoreContext,
  id: string,
  bindingHash: string,
  at: number,
): Promise<ConnectionStateRecord | undefined> {
  const row = await db(ctx)
    .updateTable('gatehouse_connection_states')
    .set({ consumed_at: at })
    .where('id', '=', id)
    .where('binding_hash', '=', bindingHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', at)
    .returningAll()
    .executeTakeFirst();
  return row ? stateFromRow(row) : undefined;
}

export async function getLinkedIdentity(
  ctx: StoreContext,
  issuer: string,
  subject: string,
): Promise<LinkedIdentityRecord | undefined> {
  const row = await db(ctx)
    .selectFrom('gatehouse_linked_identities')
    .selectAll()
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
  return row ? linkFromRow(row) : undefined;
}

export async function createLinkedIdentity(ctx: StoreContext, l: LinkedIdentityRecord): Promise<void> {
  await insertUnique(`linked identity ${l.issuer}`, () =>
    db(ctx)
      .insertInto('gatehouse_linked_identities')
      .values({
        issuer: l.issuer,
        subject: l.subject,
        connection_id: l.connectionId,
        user_id: l.userId,
        email: l.email,
        created_at: l.createdAt,
        last_used_at: l.lastUsedAt,
      })
      .execute(),
  );
}

export async function listLinkedIdentities(
  ctx: StoreContext,
  userId: string,
): Promise<LinkedIdentityRecord[]> {
  const rows = await db(ctx)
    .selectFrom('gatehouse_linked_identities')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  return rows.map(linkFromRow);
}

export async function touchLinkedIdentity(
  ctx: StoreContext,
  issuer: string,
  subject: string,
  at: number,
): Promise<void> {
  await db(ctx)
    .updateTable('gatehouse_linked_identities')
    .set({ last_used_at: at })
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .execute();
}

export async function deleteLinkedIdentity(
  ctx: StoreContext,
  userId: string,
  issuer: string,
  subject: string,
): Promise<boolean> {
  const result = await db(ctx)
    .deleteFrom('gatehouse_linked_identities')
    .where('user_id', '=', userId)
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
  return affected(result) > 0;
}
