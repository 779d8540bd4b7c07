/**
 * Connections defined at run time (admin API, dashboard, CLI) as the store keeps them
 * (store/connection-definition-records.ts): validated by the very schema of the configuration's
 * `connections[]` entries (config/connections.ts, whatever types it accepts), resolved by the same
 * code, and with their secret fields sealed apart — AES-256-GCM (tokens/crypto.ts `encrypt`, as the
 * signing keys) under a key derived from the configured `secret`, bound to the connection's id.
 */
import type { z } from 'zod';
import { connectionsSchema, type ResolvedConnection } from '../config/connections.js';
import { resolveConnections } from '../config/policies.js';
import { describeIssues } from '../config/schema.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { ConnectionDefinitionRecord } from '../store/types.js';
import { decrypt, deriveKey, encrypt } from '../tokens/crypto.js';

/** One `connections[]` entry of the configuration: the one rule for both places. */
export const definitionSchema = connectionsSchema.unwrap().element;
export type ParsedDefinition = z.output<typeof definitionSchema>;
type Plain = Record<string, unknown>;

/**
 * Fields sealed at rest and never shown: `client_secret`, `private_key`, and any other top-level field
 * whose name says it holds a secret (a SAML connection's keys, whatever their spelling).
 */
export function isSecretField(name: string): boolean {
  return /secret|private|password/i.test(name);
}

/** The definition checked by the configuration schema; a refusal names the field (`issuer: must use https`). */
export function parseDefinition(input: unknown): ParsedDefinition {
  const parsed = definitionSchema.safeParse(input);
  if (!parsed.success) throw new OAuthError('invalid_request', describeIssues(parsed.error));
  return parsed.data;
}

function sealingKey(ctx: Context): Buffer {
  return deriveKey(ctx.config.secret, 'connection-secret-encryption');
}

/** Splits a checked definition into the stored record: plain fields, sealed secrets, enabled flag. */
export function sealDefinition(
  ctx: Context,
  d: ParsedDefinition,
  times: { createdAt: number; updatedAt: number },
): ConnectionDefinitionRecord {
  const plain: Plain = {};
  const secrets: Plain = {};
  for (const [name, value] of Object.entries(d as Plain)) {
    if (name === 'enabled' || value === undefined) continue;
    (isSecretField(name) ? secrets : plain)[name] = value;
  }
  const sealed = Object.keys(secrets).length
    ? encrypt(sealingKey(ctx), JSON.stringify({ id: d.id, secrets }))
    : null;
  return {
    id: d.id,
    type: d.type,
    definition: JSON.stringify(plain),
    secretsEncrypted: sealed,
    enabled: d.enabled ?? true,
    ...times,
  };
}

/** The stored secret fields; throws when they were sealed with another secret or for another id. */
export function openSecrets(ctx: Context, record: ConnectionDefinitionRecord): Plain {
  if (!record.secretsEncrypted) return {};
  const opened = JSON.parse(decrypt(sealingKey(ctx), record.secretsEncrypted)) as {
    id: string;
    secrets: Plain;
  };
  if (opened.id !== record.id)
    throw new Error(`the secrets of connection ${record.id} belong to another one`);
  return opened.secrets;
}

/** The stored definition without its secrets (what views and edits start from). */
export function plainDefinition(record: ConnectionDefinitionRecord): Plain {
  return { ...(JSON.parse(record.definition) as Plain), enabled: record.enabled };
}

/** The stored definition as Gatehouse runs it: opened, checked again (the schema may have tightened), resolved. */
export function resolveStored(ctx: Context, record: ConnectionDefinitionRecord): ResolvedConnection {
  const full = { ...plainDefinition(record), ...openSecrets(ctx, record) };
  const parsed = parseDefinition(full);
  const options = { connections: [parsed] } as unknown as Parameters<typeof resolveConnections>[0];
  return resolveConnections(options)[0]!;
}
