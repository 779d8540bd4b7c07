import type { Context } from '../context.js';
import { connectionPath } from '../paths.js';

/** A "Continue with {name}" link on the sign-in page (DESIGN §4), one per enabled connection. */
export interface ConnectionButton {
  name: string;
  href: string;
}

/** Links to `{issuer}/connections/{id}/start`, carrying the pending authorization request. */
export function connectionButtons(ctx: Context, interaction: string | undefined): ConnectionButton[] {
  const query = interaction ? `?interaction=${encodeURIComponent(interaction)}` : '';
  return ctx.config.connections
    .filter((c) => c.enabled)
    .map((c) => ({ name: c.name, href: `${ctx.config.issuerPath}${connectionPath(c.id, 'start')}${query}` }));
}
