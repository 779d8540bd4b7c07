/**
 * Redirect-URI rules shared by every lane.
 *
 * Matching is exact string comparison (OAuth 2.1 §4.1.1; RFC 9700 §4.1.3; RFC 3986 §6.2.1), with one
 * exception: for loopback redirect URIs the port may differ (RFC 8252 §7.3; OAuth 2.1 §8.4.2), because
 * native apps bind an ephemeral port. Scheme, host, path and query still match byte for byte.
 */

const LOOPBACK = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]|localhost))(?::(\d{1,5}))?([/?][^#]*)?$/;
const FORBIDDEN_SCHEMES = new Set([
  'javascript',
  'data',
  'file',
  'vbscript',
  'blob',
  'about',
  'ftp',
  'ws',
  'wss',
]);
// Control characters, whitespace and the characters that have no business in a URI we store.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const UNSAFE_CHARS = /[\u0000-\u0020\u007f<>"\\^`{|}]/;

/** The URI with the port of a loopback redirect removed, or undefined when it is not loopback http. */
export function stripLoopbackPort(uri: string): string | undefined {
  const match = LOOPBACK.exec(uri);
  if (!match) return undefined;
  const port = match[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  return `${match[1]}${match[3] ?? ''}`;
}

export function isLoopbackRedirectUri(uri: string): boolean {
  return stripLoopbackPort(uri) !== undefined;
}

/**
 * The registered URI that `requested` matches, or undefined.
 * @see OAuth 2.1 §4.1.1, RFC 8252 §7.3
 */
export function matchRedirectUri(registered: readonly string[], requested: string): string | undefined {
  if (registered.includes(requested)) return requested;
  const stripped = stripLoopbackPort(requested);
  if (stripped === undefined) return undefined;
  return registered.find((candidate) => stripLoopbackPort(candidate) === stripped);
}

export interface RedirectUriPolicy {
  /** Allow private-use (custom) schemes such as `com.example.app:/cb`. */
  allowCustomSchemes: boolean;
  /**
   * Require custom schemes to be reverse-DNS (contain a dot; OAuth 2.1 §8.4.3). Off only for schemes an
   * operator allow-listed by name (e.g. `cursor`). @default true
   */
  requireReverseDns?: boolean;
}

/**
 * Why `uri` cannot be registered as a redirect URI, or undefined when it can.
 * https, or http on a loopback host; absolute; no fragment (OAuth 2.1 §2.3); no userinfo; never
 * `javascript:`/`data:`/`file:` (OAuth 2.1 §7.11); private-use schemes only in reverse-DNS form (§2.3.1).
 */
export function checkRedirectUri(uri: string, policy: RedirectUriPolicy): string | undefined {
  if (uri.length === 0) return 'must not be empty';
  if (uri.length > 2000) return 'is longer than 2000 characters';
  if (UNSAFE_CHARS.test(uri)) return 'contains whitespace or characters that must be percent-encoded';
  if (uri.includes('#')) return 'must not contain a fragment';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  const scheme = url.protocol.slice(0, -1);
  if (!uri.startsWith(`${scheme}:`)) return 'must use a lower-case scheme';
  if (FORBIDDEN_SCHEMES.has(scheme)) return `must not use the ${scheme}: scheme`;
  if (scheme === 'https') {
    if (url.username || url.password) return 'must not contain userinfo';
    if (!url.hostname) return 'must name a host';
    return undefined;
  }
  if (scheme === 'http') {
    return isLoopbackRedirectUri(uri)
      ? undefined
      : 'must use https (http is allowed only for 127.0.0.1, [::1] and localhost)';
  }
  if (!policy.allowCustomSchemes) return 'must use https or loopback http';
  if (policy.requireReverseDns !== false && !scheme.includes('.')) {
    return 'a private-use scheme must be in reverse-DNS form (e.g. com.example.app)';
  }
  return undefined;
}
