/** The SAML assertion replay cache (migrations-saml.ts): the useIdJag pattern, one conditional insert. */
import type { StoreContext } from './context.js';

export async function useSamlAssertion(
  ctx: StoreContext,
  issuer: string,
  assertionId: string,
  expiresAt: number,
  at: number,
): Promise<boolean> {
  const row = await ctx.db
    .insertInto('gatehouse_saml_assertions')
    .values({ issuer, assertion_id: assertionId, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .columns(['issuer', 'assertion_id'])
        .doUpdateSet({ expires_at: expiresAt })
        .where('gatehouse_saml_assertions.expires_at', '<=', at),
    )
    .returning('assertion_id')
    .executeTakeFirst();
  return row !== undefined;
}
