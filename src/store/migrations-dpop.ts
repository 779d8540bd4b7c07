/**
 * Issue 17, DPoP (RFC 9449): a grant remembers the key its refresh tokens are bound to (§5: refresh
 * tokens of public clients are bound to the DPoP key of the token request that created them), and an
 * authorization code the key named by `dpop_jkt` at /authorize (§10). Nullable: NULL means unbound.
 */
import type { Kysely, Migration } from 'kysely';

export function dpopSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_grants').addColumn('dpop_jkt', 'text').execute();
      await db.schema.alterTable('gatehouse_authorization_codes').addColumn('dpop_jkt', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_authorization_codes').dropColumn('dpop_jkt').execute();
      await db.schema.alterTable('gatehouse_grants').dropColumn('dpop_jkt').execute();
    },
  };
}
