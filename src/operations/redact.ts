/**
 * The one redaction used wherever configuration is shown (the admin API's settings, the dashboard's
 * Settings page): a secret never leaves the process, in whatever form it was written. Secrets hide
 * in three places:
 * - fields named like a secret (`secret`, `client_secret`, `password`, `token`, `apiKey`, …);
 * - a URL's userinfo (`postgres://app:PASSWORD@db/…`, also with an empty user name; a bare
 *   `https://TOKEN@host`);
 * - a URL's query or fragment parameters named like a secret (`?password=`, `&sslkey=`,
 *   `?X-Amz-Signature=`, `#access_token=`).
 * Values are replaced by "[hidden]", never dropped, so the operator can see that something is set.
 */

export const HIDDEN = '[hidden]';

/** URL parameters whose values are secrets: the word anywhere in the name (hiding too much is harmless). */
const SECRET_PARAM = /pass|pwd|secret|token|key|sig|auth|credential|cookie|session|private/i;
/**
 * Configuration fields whose values are secrets: the name ends with the word, so `client_secret`,
 * `apiKey` and `password` are hidden while `accessTokenTtl` and `token_endpoint_auth_method` are not.
 */
const SECRET_FIELD =
  /(secret|password|passwd|pwd|passphrase|token|key|sig|signature|auth|credentials?|cookie|session_?id)$/i;

// "scheme:" then anything: postgres://…, https://…, sqlite:…, redis://…
const URL_LIKE = /^[a-z][a-z0-9+.-]*:/i;

function redactParams(text: string): string {
  return text.replace(/([^&=?#;]+)=([^&#;]*)/g, (whole, name: string) =>
    SECRET_PARAM.test(safeDecode(name)) ? `${name}=${HIDDEN}` : whole,
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A URL (or URL-like string) with its userinfo password and secret parameters replaced. */
export function redactUrl(value: string): string {
  const schemeEnd = value.indexOf(':') + 1;
  let rest = value.slice(schemeEnd);
  // userinfo: everything between "//" and the last "@" before the query. That is wider than RFC 3986's
  // authority on purpose: an unencoded "/" or "@" in a password must not leak the rest of it.
  if (rest.startsWith('//')) {
    const end = rest.search(/[?#]/) >= 0 ? rest.search(/[?#]/) : rest.length;
    const at = rest.lastIndexOf('@', end - 1);
    if (at >= 2) {
      const userinfo = rest.slice(2, at);
      const colon = userinfo.indexOf(':');
      const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
      // A bare user name is kept for databases (postgres://app@db) and hidden elsewhere, where it is
      // often a token (https://TOKEN@host).
      const database = /^(postgres|postgresql|mysql|mariadb|redis|rediss|mongodb)$/i.test(
        value.slice(0, schemeEnd - 1),
      );
      const shown =
        colon >= 0 && !user.includes('/')
          ? `${user}:${HIDDEN}`
          : database && !user.includes('/')
            ? user
            : HIDDEN;
      rest = `//${shown}${rest.slice(at)}`;
    }
  }
  const query = rest.search(/[?#]/);
  if (query >= 0) rest = rest.slice(0, query) + redactParams(rest.slice(query));
  return value.slice(0, schemeEnd) + rest;
}

/**
 * A copy of `value` safe to show: secret-named fields hidden (unless empty or false), URL-like strings
 * passed through `redactUrl`, recursively; functions are shown as "configured".
 */
export function redactSecrets(value: unknown, name = ''): unknown {
  if (typeof value === 'function') return 'configured';
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, name));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  if (SECRET_FIELD.test(name) && typeof value === 'string' && value !== '' && value !== HIDDEN) return HIDDEN;
  if (typeof value === 'string' && URL_LIKE.test(value)) return redactUrl(value);
  return value;
}
