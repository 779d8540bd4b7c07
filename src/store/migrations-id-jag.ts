/**
 * Issue 17: the replay cache of ID-JAGs (draft-ietf-oauth-identity-assertion-authz-grant; the MCP
 * enterprise-managed authorization extension §7.4.2 makes `jti` replay detection REQUIRED, "at minimum
 * until exp", scoped by issuer). One row per (IdP issuer, jti) while the ID-JAG could still be accepted;
 * housekeeping deletes it after `exp`.
 */
import type { Kysely, Migration } from 'kysely';

export function idJagSchema(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gatehouse_id_jag_jtis')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gatehouse_id_jag_jtis_pk', ['issuer', 'jti'])
        .execute();
      await db.schema
        .createIndex('gatehouse_id_jag_jtis_expires_idx')
        .on('gatehouse_id_jag_jtis')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gatehouse_id_jag_jtis').ifExists().execute();
    },
  };
}
