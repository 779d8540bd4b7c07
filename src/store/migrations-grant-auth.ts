/**
 * Issue 12: a grant remembers how its client authenticated at the code exchange that created it, so a
 * refresh must authenticate at least as strongly (grants/refresh-token.ts). Nullable: grants from
 * before this migration have NULL, which means unknown and counts as `none` (docs/cimd.md).
 */
import type { Kysely, Migration } from 'kysely';

export function grantAuthMethodSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_grants').addColumn('client_auth_method', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_grants').dropColumn('client_auth_method').execute();
    },
  };
}
