/** The branding verbs (../branding-records.ts): one row, read whole. */
import type { Kysely } from 'kysely';
import type { BrandingRecord } from '../branding-records.js';
import { affected, type StoreContext } from './context.js';

type BrandingTable = { id: string; settings: string; updated_at: number; updated_by: string | null };
type Tables = { gatehouse_branding: BrandingTable };

const ROW = 'current';

function tables(ctx: StoreContext): Kysely<Tables> {
  return ctx.db.withTables<Tables>() as unknown as Kysely<Tables>;
}

export async function getBranding(ctx: StoreContext): Promise<BrandingRecord | undefined> {
  const row = await tables(ctx)
    .selectFrom('gatehouse_branding')
    .selectAll()
    .where('id', '=', ROW)
    .executeTakeFirst();
  return row
    ? { settings: row.settings, updatedAt: Number(row.updated_at), updatedBy: row.updated_by }
    : undefined;
}

export async function putBranding(ctx: StoreContext, r: BrandingRecord): Promise<void> {
  const values = { settings: r.settings, updated_at: r.updatedAt, updated_by: r.updatedBy };
  await tables(ctx)
    .insertInto('gatehouse_branding')
    .values({ id: ROW, ...values })
    .onConflict((c) => c.column('id').doUpdateSet(values))
    .execute();
}

export async function deleteBranding(ctx: StoreContext): Promise<boolean> {
  const result = await tables(ctx).deleteFrom('gatehouse_branding').where('id', '=', ROW).executeTakeFirst();
  return affected(result) > 0;
}
