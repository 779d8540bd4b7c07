import type { Context } from '../context.js';
import { enabledConnections } from '../operations/connection-registry.js';
import { connectionPath } from '../paths.js';

/** A "Continue with {name}" link on the sign-in page (DESIGN §4), one per enabled connection. */
export interface ConnectionButton {
  name: string;
  href: string;
}

/**
 * Links to `{issuer}/connections/{id}/start`, carrying the pending authorization request; configured and
 * stored connections alike (operations/connection-registry.ts: a cached read, no query per page).
 */
export async function connectionButtons(
  ctx: Context,
  interaction: string | undefined,
): Promise<ConnectionButton[]> {
  const query = interaction ? `?interaction=${encodeURIComponent(interaction)}` : '';
  return (await enabledConnections(ctx)).map((c) => ({
    name: c.name,
    href: `${ctx.config.issuerPath}${connectionPath(c.id, 'start')}${query}`,
  }));
}
