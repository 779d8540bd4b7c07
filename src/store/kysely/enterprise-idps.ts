/**
 * The enterprise-IdP verbs (enterprise-idp-records.ts), one function per verb over the store context,
 * as the other kysely/ modules.
 */
import type { Kysely } from 'kysely';
import type { EnterpriseIdpRecord } from '../enterprise-idp-records.js';
import { affected, insertUnique, type StoreContext } from './context.js';

type IdpsTable = { issuer: string; definition: string; created_at: number; updated_at: number };
type Tables = { gatehouse_enterprise_idps: IdpsTable };

const db = (ctx: StoreContext) => ctx.db.withTables<Tables>() as unknown as Kysely<Tables>;

const fromRow = (r: IdpsTable): EnterpriseIdpRecord => ({
  issuer: r.issuer,
  definition: r.definition,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export async function listEnterpriseIdps(ctx: StoreContext): Promise<EnterpriseIdpRecord[]> {
  const rows = await db(ctx)
    .selectFrom('gatehouse_enterprise_idps')
    .selectAll()
    .orderBy('created_at')
    .orderBy('issuer')
    .execute();
  return rows.map(fromRow);
}

export async function createEnterpriseIdp(ctx: StoreContext, r: EnterpriseIdpRecord): Promise<void> {
  await insertUnique(`enterprise IdP ${r.issuer}`, () =>
    db(ctx)
      .insertInto('gatehouse_enterprise_idps')
      .values({
        issuer: r.issuer,
        definition: r.definition,
        created_at: r.createdAt,
        updated_at: r.updatedAt,
      })
      .execute(),
  );
}

export async function updateEnterpriseIdp(ctx: StoreContext, r: EnterpriseIdpRecord): Promise<boolean> {
  const result = await db(ctx)
    .updateTable('gatehouse_enterprise_idps')
    .set({ definition: r.definition, updated_at: r.updatedAt })
    .where('issuer', '=', r.issuer)
    .executeTakeFirst();
  return affected(result) > 0;
}

export async function deleteEnterpriseIdp(ctx: StoreContext, issuer: string): Promise<boolean> {
  const result = await db(ctx)
    .deleteFrom('gatehouse_enterprise_idps')
    .where('issuer', '=', issuer)
    .executeTakeFirst();
  return affected(result) > 0;
}
