import type { ClientOptions } from '../config/options.js';
import { resolveClientSeed } from '../config/resolve.js';
import { clientSchema, describeIssues } from '../config/schema.js';
import type { Context } from '../context.js';
import { clientRecordFromSeed, generateClientId, generateClientSecret } from '../lanes/preregistered.js';
import type { ClientRecord } from '../store/types.js';

/**
 * Creating a preregistered client (CLI now, admin API later). The input is validated by the same
 * schema as the config file; a confidential client gets a generated secret, returned once and stored
 * only as a hash.
 */
export async function createPreregisteredClient(
  ctx: Context,
  input: Omit<ClientOptions, 'client_id' | 'client_secret'> & { client_id?: string; confidential?: boolean },
  actor: string,
): Promise<{ client: ClientRecord; client_secret?: string }> {
  const { confidential, ...rest } = input;
  const secret = confidential ? generateClientSecret() : undefined;
  const candidate: ClientOptions = { ...rest, client_id: input.client_id ?? generateClientId() };
  if (secret) {
    candidate.client_secret = secret;
    candidate.token_endpoint_auth_method ??= 'client_secret_basic';
  }
  const parsed = clientSchema.safeParse(candidate);
  if (!parsed.success) throw new Error(describeIssues(parsed.error));
  const record = clientRecordFromSeed(resolveClientSeed(parsed.data as ClientOptions), ctx.now());
  record.metadata = { createdBy: actor };
  await ctx.store.createClient(record);
  await ctx.audit({
    type: 'client.created',
    clientId: record.client_id,
    actor,
    detail: { source: 'preregistered' },
  });
  return secret ? { client: record, client_secret: secret } : { client: record };
}
