/**
 * Issue 11 (identity): whether a user's e-mail address is verified, for the `email_verified` claim of
 * ID tokens (OIDC Core §5.1). Existing users start unverified: nothing recorded that Gatehouse ever saw
 * proof that they control their mailbox. A completed password reset (the link was mailed to the
 * address) or an operator's explicit word sets it (src/users.ts).
 */
import type { Kysely, Migration } from 'kysely';

export function identitySchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('gatehouse_users')
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('gatehouse_users').dropColumn('email_verified').execute();
    },
  };
}
