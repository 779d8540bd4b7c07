/**
 * Issue 16 (SAML service provider): the assertion replay cache. SAML profiles §4.1.4.5: a bearer
 * assertion must not be accepted twice; "the service provider MUST ensure that bearer assertions are
 * not replayed, by maintaining the set of used ID values for the length of time for which the assertion
 * would be considered valid based on the NotOnOrAfter attribute". One row per (IdP entityID, assertion
 * ID) until then; housekeeping deletes it afterwards.
 */
import type { Kysely, Migration } from 'kysely';

export function samlSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gatehouse_saml_assertions')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('assertion_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gatehouse_saml_assertions_pk', ['issuer', 'assertion_id'])
        .execute();
      await db.schema
        .createIndex('gatehouse_saml_assertions_expires_idx')
        .on('gatehouse_saml_assertions')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gatehouse_saml_assertions').ifExists().execute();
    },
  };
}
