/**
 * The connection-definition verbs (connection-definition-records.ts), as a base class of KyselyStore so
 * that the store's own file keeps one line per area rather than one method per verb.
 */
import type { Kysely } from 'kysely';
import type {
  ConnectionDefinitionRecord,
  ConnectionDefinitionStore,
} from '../connection-definition-records.js';
import { affected, insertUnique, type StoreContext } from './context.js';

type DefinitionsTable = {
  id: string;
  type: string;
  definition: string;
  secrets_encrypted: string | null;
  enabled: number;
  created_at: number;
  updated_at: number;
};

type Tables = { gatehouse_connection_definitions: DefinitionsTable };

function fromRow(r: DefinitionsTable): ConnectionDefinitionRecord {
  return {
    id: r.id,
    type: r.type,
    definition: r.definition,
    secretsEncrypted: r.secrets_encrypted,
    enabled: Number(r.enabled) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export class ConnectionDefinitionVerbs implements ConnectionDefinitionStore {
  readonly #db: Kysely<Tables>;

  constructor(ctx: StoreContext) {
    this.#db = ctx.db.withTables<Tables>() as unknown as Kysely<Tables>;
  }

  async listConnectionDefinitions(): Promise<ConnectionDefinitionRecord[]> {
    const rows = await this.#db
      .selectFrom('gatehouse_connection_definitions')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  async createConnectionDefinition(d: ConnectionDefinitionRecord): Promise<void> {
    await insertUnique(`connection ${d.id}`, () =>
      this.#db
        .insertInto('gatehouse_connection_definitions')
        .values({
          id: d.id,
          type: d.type,
          definition: d.definition,
          secrets_encrypted: d.secretsEncrypted,
          enabled: d.enabled ? 1 : 0,
          created_at: d.createdAt,
          updated_at: d.updatedAt,
        })
        .execute(),
    );
  }

  async updateConnectionDefinition(d: ConnectionDefinitionRecord): Promise<boolean> {
    const result = await this.#db
      .updateTable('gatehouse_connection_definitions')
      .set({
        type: d.type,
        definition: d.definition,
        secrets_encrypted: d.secretsEncrypted,
        enabled: d.enabled ? 1 : 0,
        updated_at: d.updatedAt,
      })
      .where('id', '=', d.id)
      .executeTakeFirst();
    return affected(result) > 0;
  }

  async deleteConnectionDefinition(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('gatehouse_connection_definitions')
      .where('id', '=', id)
      .executeTakeFirst();
    return affected(result) > 0;
  }
}
