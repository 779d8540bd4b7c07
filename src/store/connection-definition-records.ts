/**
 * Upstream connections defined at run time (admin API, dashboard, CLI; issue 16, migration 0017), next
 * to those of the configuration file. The definition is the configuration schema's JSON form; its
 * secret fields travel apart, sealed (AES-256-GCM under a key derived from the configured `secret`).
 */

export interface ConnectionDefinitionRecord {
  /** Unique among stored definitions; never one of the configuration's ids (operations refuse it). */
  id: string;
  /** The definition's `type` ("oidc", "saml"), for listings that do not parse it. */
  type: string;
  /** JSON of the definition as `connections[]` in the configuration reads it, without secrets or `enabled`. */
  definition: string;
  /** The secret fields (`client_secret`, `private_key`, …) as sealed JSON; null when there are none. */
  secretsEncrypted: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ConnectionDefinitionStore {
  /** Every stored definition, oldest first (a handful: read whole and cached by operations/connection-registry.ts). */
  listConnectionDefinitions(): Promise<ConnectionDefinitionRecord[]>;
  /** Inserts. Rejects with `UniqueViolation` if the id exists (of concurrent creators, one wins). */
  createConnectionDefinition(record: ConnectionDefinitionRecord): Promise<void>;
  /**
   * Replaces the definition, secrets, enabled flag and updatedAt of `record.id` (createdAt is kept);
   * false when there is none. Concurrent writers: the last one wins.
   */
  updateConnectionDefinition(record: ConnectionDefinitionRecord): Promise<boolean>;
  /** Deletes; false when there was none. */
  deleteConnectionDefinition(id: string): Promise<boolean>;
}
