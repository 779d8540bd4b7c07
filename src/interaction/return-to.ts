import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { PATHS } from '../paths.js';

/**
 * No `Location` Gatehouse sends is longer than this (characters; every Location is ASCII, so octets).
 * RFC 9110 §4.1 asks senders and recipients to support URIs of at least 8000 octets: a longer one may
 * be cut or refused by a browser, a proxy or a load balancer, and a long request must never be
 * reflected back as a longer redirect. The router enforces it on every response (docs/security.md).
 */
export const MAX_LOCATION_LENGTH = 8000;

/** The longest dashboard path (with its query) the sign-in page returns to; a longer one is ignored. */
export const MAX_RETURN_TO_LENGTH = 2000;

/**
 * Where to go after signing in without an authorization request: only the dashboard or the account
 * page, by a same-origin path, so the parameter can never become an open redirect.
 */
export function safeReturnTo(ctx: Context, value: string | null | undefined): string | undefined {
  const base = ctx.config.issuerPath + PATHS.admin;
  if (!value || value.length > MAX_RETURN_TO_LENGTH || /[\\\s]|\/\/|\/\.\.?(\/|$)/.test(value))
    return undefined;
  if (value === ctx.config.issuerPath + PATHS.account) return value;
  return value === base || value.startsWith(`${base}/`) || value.startsWith(`${base}?`) ? value : undefined;
}

/**
 * The sign-in page that comes back to the dashboard page `url` afterwards. A return-to the sign-in
 * page would not accept (longer than MAX_RETURN_TO_LENGTH: a 15 KB query string) is dropped to the
 * plain page, its path without the query, rather than reflected into a longer Location.
 */
export function signInReturningTo(ctx: Context, url: URL): string {
  const login = `${ctx.config.issuerPath}${PATHS.login}?return_to=`;
  const full = `${url.pathname}${url.search}`;
  const back =
    safeReturnTo(ctx, full) ?? safeReturnTo(ctx, url.pathname) ?? ctx.config.issuerPath + PATHS.admin;
  return `${login}${encodeURIComponent(back)}`;
}

/**
 * Refuses a response whose `Location` is longer than MAX_LOCATION_LENGTH (the router calls it on
 * every response; only a 201 or 3xx carries one that a client follows): `400 invalid_request`, the long URL neither sent nor logged. Whatever request
 * produced it (an authorization request with every field at its cap) is too long to continue.
 */
export function assertLocationBound(response: Response): void {
  // RFC 9110 §10.2.2: Location means something on 201 and 3xx only. Reading the headers of every other
  // response would make the adapter build a Headers object for each (the token endpoint's included).
  const { status } = response;
  if (status !== 201 && (status < 300 || status > 399)) return;
  const location = response.headers.get('location');
  if (location === null || location.length <= MAX_LOCATION_LENGTH) return;
  void response.body?.cancel();
  throw new OAuthError('invalid_request', 'The request is too long to continue. Shorten it and try again.', {
    detail: `a Location of ${location.length} characters was not sent (bound: ${MAX_LOCATION_LENGTH})`,
  });
}
