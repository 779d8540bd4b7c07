/**
 * Rules a client_id URL must meet before anything is fetched (CIMD-01 §3; -02 PR #84; MCP security
 * best practices "SSRF"). Checked on the raw string, never on a normalised URL: the client_id is
 * compared byte for byte with the document's `client_id`, so nothing may be rewritten.
 */

import { checkPathCharacters } from '../../http/characters.js';

export const MAX_CLIENT_ID_LENGTH = 2048;

const NON_ASCII = /[^ -~]/;

/** A DNS host name: labels of letters, digits and hyphens, at least two labels, a non-numeric TLD. */
const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface CimdUrlPolicy {
  /** Development only: accept `localhost`, `127.0.0.1` and `[::1]` as hosts. */
  allowLoopback: boolean;
}

export interface ParsedClientIdUrl {
  url: URL;
  /** Host as written (lower-case, punycode for IDNs). */
  hostname: string;
}

/** Why `clientId` is not an acceptable client ID metadata URL, or the parsed URL. */
export function checkClientIdUrl(
  clientId: string,
  policy: CimdUrlPolicy,
): { ok: true; value: ParsedClientIdUrl } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (clientId.length > MAX_CLIENT_ID_LENGTH)
    return fail(`the client ID is longer than ${MAX_CLIENT_ID_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0020\u007f\\]/.test(clientId))
    return fail('the client ID contains spaces, control characters or backslashes');
  // CIMD-01 §3: the scheme MUST be https (and compared as written, so lower case).
  if (!clientId.startsWith('https://'))
    return fail('the client ID must be an https:// URL (lower-case scheme)');
  if (clientId.includes('#')) return fail('the client ID must not contain a fragment');
  if (clientId.includes('?')) return fail('the client ID must not contain a query string');
  const authorityEnd = clientId.indexOf('/', 'https://'.length);
  if (authorityEnd === -1) return fail('the client ID must have a path (not just a host)');
  const authority = clientId.slice('https://'.length, authorityEnd);
  const path = clientId.slice(authorityEnd);
  if (authority.includes('@')) return fail('the client ID must not contain a user name or password');
  if (path === '/') return fail('the client ID must have a path other than "/"');
  // CIMD-01 §3: no "." or ".." segments, encoded or not.
  const segments = path.split('/').map((s) => s.replace(/%2e/gi, '.'));
  if (segments.some((s) => s === '.' || s === '..'))
    return fail('the client ID must not contain "." or ".." path segments');
  if (/%2f|%5c/i.test(path)) return fail('the client ID must not contain encoded slashes');
  // The path the document host decodes must not hold a control character either (`/client.json%00`:
  // NUL truncation on the host); the rule for request input, http/characters.ts.
  if (checkPathCharacters(path)) return fail('the client ID must not contain encoded control characters');
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return fail('the client ID is not a valid URL');
  }
  // CIMD -02 (PR #84): no default-port normalisation; an explicit :443 is refused rather than folded.
  const portMatch = /:(\d*)$/.exec(
    authority.startsWith('[') ? authority.slice(authority.indexOf(']') + 1) : authority,
  );
  if (portMatch) {
    const port = portMatch[1]!;
    if (port === '' || port === '443' || /^0/.test(port))
      return fail('the client ID must not name the default port or an empty port');
  }
  const hostWritten = (portMatch ? authority.slice(0, -portMatch[0].length) : authority).toLowerCase();
  const hostname = url.hostname;
  if (hostWritten !== hostname && hostWritten !== decodeURIComponentSafe(hostname)) {
    // The parser rewrote the host (e.g. 2130706433 → 127.0.0.1, 0x7f.1, upper case): refuse rather than guess.
    if (!isIdnSpelling(hostWritten, hostname))
      return fail('the client ID host is not written in canonical form');
  }
  if (authority !== authority.toLowerCase() && !NON_ASCII.test(authority)) {
    return fail('the client ID host must be lower case');
  }
  const loopback = hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
  if (loopback && policy.allowLoopback) return { ok: true, value: { url, hostname } };
  if (hostname.startsWith('[') || /^[\d.]+$/.test(hostname) || /^0x/i.test(hostWritten)) {
    return fail('the client ID must name a host, not an IP address');
  }
  if (!HOSTNAME.test(hostname)) return fail('the client ID host is not a valid public host name');
  if (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname.endsWith('.local') ||
    hostname.endsWith('.internal')
  ) {
    return fail('the client ID host is a local name');
  }
  return { ok: true, value: { url, hostname } };
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** An internationalised host is written in Unicode and parsed to punycode; that is the only rewrite allowed. */
function isIdnSpelling(written: string, parsed: string): boolean {
  return NON_ASCII.test(written) && parsed.includes('xn--');
}
