/** Signing keys: at most one `active` and one `next`, any number of `retiring` ones. */
import { sql } from 'kysely';
import { keyFromRow, keyToRow } from '../mappers.js';
import type { RotateSigningKeysInput, SigningKeyRecord } from '../types.js';
import { type StoreContext, type Tx, writeTx } from './context.js';

/** Arbitrary constant ("GHKEY") naming the PostgreSQL advisory lock that serialises key changes. */
const SIGNING_KEYS_LOCK_ID = 0x4748_4b45_59;

/**
 * Makes key changes mutually exclusive across instances. On PostgreSQL an advisory lock tied to the
 * transaction (row locks cannot guard an empty table). On SQLite the transaction already began with
 * BEGIN IMMEDIATE, which is the database-wide write lock.
 */
async function lockKeys(ctx: StoreContext, tx: Tx): Promise<void> {
  if (ctx.dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(${sql.lit(SIGNING_KEYS_LOCK_ID)})`.execute(tx);
  }
}

async function listIn(tx: Tx | StoreContext['db']): Promise<SigningKeyRecord[]> {
  const rows = await tx
    .selectFrom('gatehouse_signing_keys')
    .selectAll()
    .orderBy('created_at')
    .orderBy('kid')
    .execute();
  return rows.map(keyFromRow);
}

export function listSigningKeys(ctx: StoreContext): Promise<SigningKeyRecord[]> {
  return listIn(ctx.db);
}

export async function ensureSigningKeys(
  ctx: StoreContext,
  active: SigningKeyRecord,
  next: SigningKeyRecord,
): Promise<SigningKeyRecord[]> {
  return writeTx(ctx, async (tx) => {
    await lockKeys(ctx, tx);
    const any = await tx.selectFrom('gatehouse_signing_keys').select('kid').limit(1).executeTakeFirst();
    if (!any) {
      await tx
        .insertInto('gatehouse_signing_keys')
        .values([keyToRow(active, 'active'), keyToRow(next, 'next')])
        .execute();
    }
    return listIn(tx);
  });
}

export async function rotateSigningKeys(
  ctx: StoreContext,
  input: RotateSigningKeysInput,
): Promise<SigningKeyRecord[]> {
  return writeTx(ctx, async (tx) => {
    await lockKeys(ctx, tx);
    await tx
      .deleteFrom('gatehouse_signing_keys')
      .where('state', '=', 'retiring')
      .where('retire_at', '<=', input.at)
      .execute();
    const keys = await listIn(tx);
    const active = keys.find((k) => k.state === 'active');
    const next = keys.find((k) => k.state === 'next');
    // Compare-and-swap: the caller decided from keys it read before; another rotation since then
    // (any instance) makes that decision stale, so nothing changes and the caller reads again.
    if (
      input.expect &&
      (input.expect.active !== (active?.kid ?? null) || input.expect.next !== (next?.kid ?? null))
    )
      return keys;

    if (!active && !next) {
      if (!input.initialActive) {
        throw new Error('rotateSigningKeys: there is no key yet, so initialActive is required');
      }
      await tx.insertInto('gatehouse_signing_keys').values(keyToRow(input.initialActive, 'active')).execute();
    } else if (next) {
      const activateAt = input.activateAt ?? input.at;
      // Statement order keeps the one-active/one-next unique index satisfied after every statement.
      if (active) {
        // A key replaced before its activation time never signs: NULL ranks it below every retiring
        // key that did (tokens/keys.ts signerAt).
        const pending = active.activateAt !== null && active.activateAt > activateAt;
        await tx
          .updateTable('gatehouse_signing_keys')
          .set({
            state: 'retiring',
            retire_at: input.retireAt,
            activate_at: pending ? null : active.activateAt,
          })
          .where('kid', '=', active.kid)
          .execute();
      }
      await tx
        .updateTable('gatehouse_signing_keys')
        .set({ state: 'active', retire_at: null, activate_at: activateAt })
        .where('kid', '=', next.kid)
        .execute();
    }
    // With an active key but no next one (a half-finished manual change), the active key stays: demoting
    // it would leave nothing to sign with. The new next key fills the gap.
    await tx.insertInto('gatehouse_signing_keys').values(keyToRow(input.newNext, 'next')).execute();
    return listIn(tx);
  });
}
