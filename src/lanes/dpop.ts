import type { ClientRecord } from '../store/types.js';

/**
 * Whether a client registered `dpop_bound_access_tokens: true` (RFC 9449 §5.2), in whichever lane it
 * came from: a preregistered client's config (`metadata.dpop_bound_access_tokens`), a DCR
 * registration (`metadata.registration`) or a CIMD document (`metadata.cimd.document`).
 */
export function requiresDpop(client: ClientRecord): boolean {
  const m = client.metadata as {
    dpop_bound_access_tokens?: unknown;
    registration?: { dpop_bound_access_tokens?: unknown };
    cimd?: { document?: { dpop_bound_access_tokens?: unknown } };
  };
  return (
    m.dpop_bound_access_tokens === true ||
    m.registration?.dpop_bound_access_tokens === true ||
    m.cimd?.document?.dpop_bound_access_tokens === true
  );
}
