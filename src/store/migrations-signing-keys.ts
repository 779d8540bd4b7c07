/**
 * Issue 15: a signing key's activation time. `activate_at` is when an `active` (or, afterwards,
 * `retiring`) key starts to sign: a rotation may promote the pre-published `next` key now but let it sign
 * only once every instance and every JWKS cache has seen it (src/operations/keys.ts). Every instance
 * reads the same time from the database, so all of them change signing key together. Nullable: keys
 * from before this migration have NULL, which means "signs since it became active".
 */
import type { Kysely, Migration } from 'kysely';

export function signingKeyActivationSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_signing_keys').addColumn('activate_at', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_signing_keys').dropColumn('activate_at').execute();
    },
  };
}
