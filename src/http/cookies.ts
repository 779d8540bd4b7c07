/** Cookie parsing and serialisation for the hosted pages' session and CSRF cookies. */

export function parseCookies(header: string | null): Map<string, string> {
  const jar = new Map<string, string>();
  if (!header) return jar;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    // RFC 6265 §5.4: the first cookie of a name is the most specific; a later one never replaces it.
    if (name !== '' && !jar.has(name)) jar.set(name, part.slice(eq + 1).trim());
  }
  return jar;
}

export interface CookieNames {
  session: string;
  csrf: string;
}

/**
 * On an https issuer the cookies are `__Host-` prefixed (Secure, Path=/, no Domain), so a sibling
 * subdomain cannot plant them; on loopback http (development) they fall back to plain names.
 */
export function cookieNames(secure: boolean): CookieNames {
  return secure
    ? { session: '__Host-gatehouse_session', csrf: '__Host-gatehouse_csrf' }
    : { session: 'gatehouse_session', csrf: 'gatehouse_csrf' };
}

export function serializeCookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAge?: number; httpOnly?: boolean },
): string {
  const parts = [`${name}=${value}`, 'Path=/', 'SameSite=Lax'];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  return parts.join('; ');
}
