import type { ResolvedResource } from '../config/resolve.js';
import type { ErrorExplanation } from '../errors.js';
import { IDENTITY_SCOPES, refusalFor } from '../grants/audience.js';
import { isLoopbackRedirectUri, stripLoopbackPort } from '../lanes/redirect-uri.js';
import type { ClientRecord } from '../store/types.js';

/**
 * What an authorization error tells the developer: the value refused, the values that would have been
 * accepted, and what to change. The page is open to anyone who knows a client_id, so it shows only
 * what is public already (docs/security.md, "What an authorization error page shows"):
 *
 * - redirect URIs: all of a CIMD client's (its metadata document is public at its client_id); for a
 *   preregistered or DCR client, the loopback ones (they reach only the user's own machine) and those
 *   on the origin the request itself named (it already knows that origin; the page adds the path).
 *   Redirect URIs travel in every authorization request's front channel and are not secrets
 *   (OAuth 2.1 §2.3), but listing a confidential client's production URIs to anyone who guesses its
 *   client_id would still be a gift to a phisher, so those stay in the client's registration.
 * - resources: the ones this client may request (each publishes its protected-resource metadata,
 *   RFC 9728); never the admin API, which no user-delegated grant can name.
 * - scopes: the requested resource's scopes (in its protected-resource metadata) and the identity scopes.
 */

/** The scheme and authority a redirect URI sends to (a private-use scheme has no origin: its scheme). */
function destination(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.origin === 'null' ? url.protocol : url.origin;
  } catch {
    return undefined;
  }
}

/** The registered redirect URIs the page may list for a request that named `requested` (or none). */
export function disclosableRedirectUris(
  client: Pick<ClientRecord, 'source' | 'redirect_uris'>,
  requested: string | undefined,
): { shown: string[]; hidden: boolean } {
  if (client.source === 'cimd') return { shown: [...client.redirect_uris], hidden: false };
  const asked = requested === undefined ? undefined : destination(requested);
  const shown = client.redirect_uris.filter(
    (uri) => isLoopbackRedirectUri(uri) || (asked !== undefined && destination(uri) === asked),
  );
  return { shown, hidden: shown.length < client.redirect_uris.length };
}

const WHERE_TO_REGISTER: Record<ClientRecord['source'], string> = {
  preregistered:
    "add this address to the client's redirect_uris (clients[].redirect_uris in gatehouse.json, or on the dashboard for a client created there)",
  dcr: 'register the client again with this address in redirect_uris (dynamic client registration, RFC 7591)',
  cimd: "add this address to redirect_uris in the client's metadata document, the JSON at its client_id URL",
};

/** Why a refused URI differs from a shown one, when the difference is a classic slip. */
function slip(requested: string, shown: readonly string[]): string | undefined {
  const other = requested.endsWith('/') ? requested.slice(0, -1) : `${requested}/`;
  if (shown.includes(other)) return 'The addresses differ only by a trailing slash; they must match exactly.';
  const loopback = stripLoopbackPort(requested);
  if (loopback !== undefined && shown.some(isLoopbackRedirectUri)) {
    return 'A loopback address may use any port, but its host (localhost, 127.0.0.1 or [::1]) and its path must be the same as a registered one.';
  }
  return undefined;
}

/** OAuth 2.1 §4.1.1, §2.3.2: the refused (or missing) redirect_uri and what would be accepted. */
export function explainRedirectUri(client: ClientRecord, requested: string | undefined): ErrorExplanation {
  const { shown, hidden } = disclosableRedirectUris(client, requested);
  const facts: ErrorExplanation['facts'] = [];
  if (requested !== undefined) facts.push({ label: 'Refused address (redirect_uri)', values: [requested] });
  if (shown.length) facts.push({ label: 'Registered addresses', values: shown });
  const parts: string[] = [];
  if (client.redirect_uris.length === 0) {
    // Nothing is hidden by saying so: with none registered, the page would list none either way.
    parts.push(
      'This client has no registered redirect address, so it cannot use the authorization code flow (a client_credentials client asks the token endpoint directly); to sign users in, register one in its redirect_uris.',
    );
    return { facts, fix: parts.join(' ') };
  }
  if (requested !== undefined) {
    const hint = slip(requested, shown);
    if (hint) parts.push(hint);
  }
  parts.push(
    requested === undefined
      ? 'Send redirect_uri with one of the addresses registered for this client.'
      : `Send one of the addresses registered for this client, or ${WHERE_TO_REGISTER[client.source]}.`,
  );
  if (hidden) {
    parts.push(
      shown.length
        ? 'Addresses on other sites are registered too and are not listed here, because anyone can open this page; the client’s registration shows them all.'
        : 'The registered addresses are not listed here, because anyone can open this page; the client’s registration shows them.',
    );
  }
  return { facts, fix: parts.join(' ') };
}

/** The configured resources this client may request through a user (RFC 8707; never the admin API). */
export function requestableResources(
  config: { issuer: string; resources: readonly ResolvedResource[] },
  client: ClientRecord,
): ResolvedResource[] {
  return config.resources.filter((r) => refusalFor(config, client, r, 'user') === undefined);
}

/** The scopes a request for `resource` may name (RFC 6749 §3.3), identity scopes last. */
export function requestableScopes(resource: ResolvedResource): string[] {
  return [...resource.scopes, ...IDENTITY_SCOPES];
}
