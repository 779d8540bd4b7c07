import type { ClientRecord } from '../store/types.js';

/** A client as the admin API shows it: never the secret hash. */
export function presentClient(client: ClientRecord): Record<string, unknown> {
  const { secretHash, metadata, ...rest } = client;
  return { ...rest, has_secret: secretHash !== null, metadata };
}
