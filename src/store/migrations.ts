/**
 * Schema migrations, kept in code (no file scanning) so they ship inside the bundle and run the same
 * on SQLite and PostgreSQL. Migration names sort lexically; never rename or edit a released one, add a
 * new one instead.
 *
 * Why this is long: `initialSchema` is the released 0001 migration, one statement per table in the
 * order they depend on each other; it is history and must stay exactly as deployed databases ran it.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { accountsSchema } from './migrations-accounts.js';
import { brandingSchema } from './migrations-branding.js';
import { clientAssertionsSchema } from './migrations-client-assertions.js';
import { connectionDefinitionsSchema } from './migrations-connection-definitions.js';
import { connectionsSchema } from './migrations-connections.js';
import { dpopSchema } from './migrations-dpop.js';
import { enterpriseIdpsSchema } from './migrations-enterprise-idps.js';
import { grantAuthMethodSchema } from './migrations-grant-auth.js';
import { idJagSchema } from './migrations-id-jag.js';
import { identitySchema } from './migrations-identity.js';
import { organizationsSchema } from './migrations-organizations.js';
import { samlSchema } from './migrations-saml.js';
import { signingKeyActivationSchema } from './migrations-signing-keys.js';
import { storageSchema } from './migrations-storage.js';

export type SqlDialect = 'sqlite' | 'postgres';

// Kysely hands migrations an untyped database; the schema builder does not need table types.
type AnyDb = Kysely<unknown>;

function initialSchema(dialect: SqlDialect): Migration {
  return {
    async up(db: AnyDb) {
      const s = db.schema;

      await s
        .createTable('gatehouse_clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('client_name', 'text')
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('response_types', 'text', (c) => c.notNull())
        .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
        .addColumn('application_type', 'text', (c) => c.notNull())
        .addColumn('scope', 'text')
        .addColumn('resources', 'text', (c) => c.notNull())
        .addColumn('introspect', 'text', (c) => c.notNull())
        .addColumn('first_party', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('secret_hash', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('disabled_at', 'bigint')
        .addColumn('disabled_reason', 'text')
        .execute();
      // Stale-client cleanup scans by source and last use.
      await s
        .createIndex('gatehouse_clients_last_used_idx')
        .on('gatehouse_clients')
        .columns(['source', 'last_used_at'])
        .execute();
      // listClients filters by source and pages by client_id; the admin UI sorts by creation.
      await s
        .createIndex('gatehouse_clients_source_idx')
        .on('gatehouse_clients')
        .columns(['source', 'client_id'])
        .execute();
      await s
        .createIndex('gatehouse_clients_created_at_idx')
        .on('gatehouse_clients')
        .column('created_at')
        .execute();

      await s
        .createTable('gatehouse_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_lower', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .execute();
      await s
        .createIndex('gatehouse_users_email_lower_idx')
        .on('gatehouse_users')
        .column('email_lower')
        .unique()
        .execute();

      await s
        .createTable('gatehouse_browser_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('gatehouse_users.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await s
        .createIndex('gatehouse_browser_sessions_user_idx')
        .on('gatehouse_browser_sessions')
        .column('user_id')
        .execute();
      await s
        .createIndex('gatehouse_browser_sessions_expires_idx')
        .on('gatehouse_browser_sessions')
        .column('expires_at')
        .execute();

      await s
        .createTable('gatehouse_consents')
        .addColumn('user_id', 'text', (c) => c.notNull().references('gatehouse_users.id'))
        .addColumn('client_id', 'text', (c) => c.notNull().references('gatehouse_clients.client_id'))
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gatehouse_consents_pk', ['user_id', 'client_id', 'resource'])
        .execute();
      await s
        .createIndex('gatehouse_consents_client_idx')
        .on('gatehouse_consents')
        .column('client_id')
        .execute();

      await s
        .createTable('gatehouse_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('gatehouse_users.id'))
        .addColumn('client_id', 'text', (c) => c.notNull().references('gatehouse_clients.client_id'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text')
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoked_reason', 'text')
        .execute();
      await s.createIndex('gatehouse_grants_user_idx').on('gatehouse_grants').column('user_id').execute();
      await s.createIndex('gatehouse_grants_client_idx').on('gatehouse_grants').column('client_id').execute();

      // No foreign key on grant_id: the grant only comes into being when the code is redeemed.
      await s
        .createTable('gatehouse_authorization_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull().references('gatehouse_clients.client_id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('gatehouse_users.id'))
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('redirect_uri_explicit', 'integer', (c) => c.notNull())
        .addColumn('code_challenge', 'text')
        .addColumn('code_challenge_method', 'text')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text')
        .addColumn('session_id', 'text')
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await s
        .createIndex('gatehouse_authorization_codes_expires_idx')
        .on('gatehouse_authorization_codes')
        .column('expires_at')
        .execute();
      await s
        .createIndex('gatehouse_authorization_codes_client_idx')
        .on('gatehouse_authorization_codes')
        .column('client_id')
        .execute();

      await s
        .createTable('gatehouse_refresh_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text', (c) => c.notNull().references('gatehouse_grants.id'))
        .addColumn('client_id', 'text', (c) => c.notNull().references('gatehouse_clients.client_id'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('rotated_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await s
        .createIndex('gatehouse_refresh_tokens_grant_idx')
        .on('gatehouse_refresh_tokens')
        .column('grant_id')
        .execute();
      await s
        .createIndex('gatehouse_refresh_tokens_client_idx')
        .on('gatehouse_refresh_tokens')
        .column('client_id')
        .execute();
      await s
        .createIndex('gatehouse_refresh_tokens_expires_idx')
        .on('gatehouse_refresh_tokens')
        .column('expires_at')
        .execute();

      await s
        .createTable('gatehouse_revoked_access_tokens')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await s
        .createIndex('gatehouse_revoked_access_tokens_expires_idx')
        .on('gatehouse_revoked_access_tokens')
        .column('expires_at')
        .execute();

      await s
        .createTable('gatehouse_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk_encrypted', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retire_at', 'bigint')
        .execute();
      // A last line of defence behind the serialised key verbs: never two active or two next keys.
      // Raw SQL because index predicates cannot take bound parameters.
      await sql`create unique index gatehouse_signing_keys_one_per_state_idx on gatehouse_signing_keys (state) where state in ('active', 'next')`.execute(
        db,
      );

      // Ids must never be reused (they are the pagination cursor), hence AUTOINCREMENT / identity.
      await s
        .createTable('gatehouse_audit_events')
        .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          dialect === 'postgres'
            ? c.primaryKey().generatedByDefaultAsIdentity()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('actor', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      // Filtered listings are newest-first by id, so each filter column is paired with id.
      await s
        .createIndex('gatehouse_audit_events_type_idx')
        .on('gatehouse_audit_events')
        .columns(['type', 'id'])
        .execute();
      await s
        .createIndex('gatehouse_audit_events_client_idx')
        .on('gatehouse_audit_events')
        .columns(['client_id', 'id'])
        .execute();
      await s
        .createIndex('gatehouse_audit_events_user_idx')
        .on('gatehouse_audit_events')
        .columns(['user_id', 'id'])
        .execute();
      await s
        .createIndex('gatehouse_audit_events_at_idx')
        .on('gatehouse_audit_events')
        .column('at')
        .execute();

      await s
        .createTable('gatehouse_rate_limits')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('window_end', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('gatehouse_rate_limits_pk', ['key', 'window_start'])
        .execute();
      await s
        .createIndex('gatehouse_rate_limits_window_end_idx')
        .on('gatehouse_rate_limits')
        .column('window_end')
        .execute();
    },

    async down(db: AnyDb) {
      const tables = [
        'gatehouse_rate_limits',
        'gatehouse_audit_events',
        'gatehouse_signing_keys',
        'gatehouse_revoked_access_tokens',
        'gatehouse_refresh_tokens',
        'gatehouse_authorization_codes',
        'gatehouse_grants',
        'gatehouse_consents',
        'gatehouse_browser_sessions',
        'gatehouse_users',
        'gatehouse_clients',
      ];
      for (const table of tables) await db.schema.dropTable(table).ifExists().execute();
    },
  };
}

/**
 * Issue 6 (admin): resources editable at run time (config is the seed), single-use password-reset
 * tokens, and an index for paging users by e-mail.
 */
function adminSchema(): Migration {
  return {
    async up(db: AnyDb) {
      const s = db.schema;
      await s
        .createTable('gatehouse_resources')
        .addColumn('resource', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('default_scopes', 'text', (c) => c.notNull())
        .addColumn('lanes', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .execute();
      await s
        .createTable('gatehouse_password_resets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('gatehouse_users.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await s
        .createIndex('gatehouse_password_resets_expires_idx')
        .on('gatehouse_password_resets')
        .column('expires_at')
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('gatehouse_password_resets').ifExists().execute();
      await db.schema.dropTable('gatehouse_resources').ifExists().execute();
    },
  };
}

/** The migrations for one dialect; the few type differences (auto-increment ids) are decided here. */
export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    async getMigrations() {
      return {
        '0001_initial': initialSchema(dialect),
        '0002_admin': adminSchema(),
        '0003_storage': storageSchema(),
        '0004_identity': identitySchema(),
        '0005_client_assertions': clientAssertionsSchema(),
        '0006_grant_auth_method': grantAuthMethodSchema(),
        '0007_signing_key_activation': signingKeyActivationSchema(),
        '0008_connections': connectionsSchema(),
        '0011_dpop': dpopSchema(),
        '0009_id_jag_jtis': idJagSchema(),
        '0015_enterprise_idps': enterpriseIdpsSchema(),
        '0012_organizations': organizationsSchema(),
        '0013_saml': samlSchema(),
        '0014_accounts': accountsSchema(),
        '0016_branding': brandingSchema(),
        '0017_connection_definitions': connectionDefinitionsSchema(),
      };
    },
  };
}
