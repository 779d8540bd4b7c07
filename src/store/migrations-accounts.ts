/**
 * Issue 16 (accounts): one table of single-use account tokens for password resets and e-mail
 * verifications (src/operations/account-tokens.ts). The password-reset table of 0002 gains `purpose`
 * (its rows are resets) and `email`, the address a token was mailed to: a verification proves control
 * of that address only, so it is void once the user's address is another. `users.email_verified`
 * (0004) is reused for the verified state.
 */
import type { Kysely, Migration } from 'kysely';

export function accountsSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('gatehouse_password_resets')
        .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('password_reset'))
        .execute();
      await db.schema.alterTable('gatehouse_password_resets').addColumn('email', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_password_resets').dropColumn('email').execute();
      await db.schema.alterTable('gatehouse_password_resets').dropColumn('purpose').execute();
    },
  };
}
