import { OAUTH_ERROR_CODES } from '../../../src/errors.js';
import type { RawResponse } from './raw-http.js';
import { MARKER } from './requests.js';

/**
 * What every response of the fuzz suite must look like: never a 5xx; an OAuth endpoint's error is a
 * JSON object `{ error, error_description? }` with a known code and the status that code implies
 * (OAuth 2.1 §3.2.4, RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2), 401 with a challenge (RFC 9110
 * §15.5.2); a page's error is an HTML page with the pages' security headers; a redirect never leaves
 * for a place that is neither this server nor a registered redirect URI.
 */

/** `none`: Gatehouse's JSON 404; `host`: a path the host application answers (Express adapter). */
export type RouteKind = 'api' | 'page' | 'none' | 'host';

/** The error codes of src/errors.ts. */
export const ERROR_CODES: ReadonlySet<string> = new Set(OAUTH_ERROR_CODES);

/** RFC 6749 §5.2, §4.1.2.1: error_description is %x20-21 / %x23-5B / %x5D-7E only. */
const DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const STATUS_OF: Record<string, number[]> = {
  invalid_client: [401],
  invalid_token: [401],
  insufficient_scope: [403],
  forbidden: [403],
  access_denied: [403],
  not_found: [404],
  method_not_allowed: [405],
  rate_limited: [429],
  invalid_request: [400, 409, 413],
  invalid_client_metadata: [400, 409],
};

/** Node's own HTTP layer refused the request before Gatehouse saw it (no content type, no body): a parse
 * error, an oversized header section, or an `Expect` other than 100-continue (417). */
export function isParserRejection(response: RawResponse): boolean {
  return (
    [400, 413, 414, 417, 431, 505].includes(response.status) &&
    !response.headers.has('content-type') &&
    response.body.length === 0
  );
}

function checkJsonError(response: RawResponse, head: boolean): string[] {
  const problems: string[] = [];
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/json')) return [`error with content-type "${type}", not JSON`];
  if (head) return problems;
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return ['error body is not JSON'];
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return ['error body is not an object'];
  const { error, error_description: description, ...rest } = body as Record<string, unknown>;
  if (typeof error !== 'string' || !ERROR_CODES.has(error)) return [`unknown error code ${String(error)}`];
  if (Object.keys(rest).some((k) => k !== 'error_uri')) problems.push(`extra members ${Object.keys(rest)}`);
  if (description !== undefined && typeof description !== 'string') problems.push('error_description type');
  if (typeof description === 'string' && !DESCRIPTION.test(description))
    problems.push('error_description outside the RFC 6749 §5.2 character set');
  const allowed = STATUS_OF[error] ?? [400];
  if (!allowed.includes(response.status)) problems.push(`${error} answered with ${response.status}`);
  if (response.status === 401 && !response.headers.has('www-authenticate'))
    problems.push(`401 ${error} without WWW-Authenticate`);
  if (response.status === 405 && !response.headers.has('allow')) problems.push('405 without Allow');
  return problems;
}

function checkPage(response: RawResponse, head: boolean): string[] {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/html')) return [`page error with content-type "${type}", not HTML`];
  const problems: string[] = [];
  if (response.headers.get('x-frame-options') !== 'DENY') problems.push('page without X-Frame-Options');
  if (!head && !/^<!doctype html>/i.test(response.body.toString('utf8').trimStart()))
    problems.push('page error is not an HTML document');
  return problems;
}

/** Everything wrong with `response` to a request on a route of `kind`; empty when it is fine. */
export function checkResponse(
  kind: RouteKind,
  response: RawResponse,
  options: { head: boolean; issuerOrigin: string; redirectPrefixes: string[]; emptyNotFound: boolean },
): string[] {
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`status ${response.status}`);
  if (isParserRejection(response)) return problems;
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('text/html') && response.body.includes(MARKER))
    problems.push('the marker came back unescaped in an HTML page');
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location');
    if (!location) return [...problems, `${response.status} without Location`];
    const target = new URL(location, options.issuerOrigin);
    const safe =
      target.origin === options.issuerOrigin ||
      options.redirectPrefixes.some((prefix) => matchesRedirect(target.href, prefix));
    if (!safe) problems.push(`redirect to ${location}`);
    // RFC 6749 §4.1.2.1: an error redirected to the client has the same description charset.
    const description = target.searchParams.get('error_description');
    if (description !== null && !DESCRIPTION.test(description))
      problems.push('redirected error_description outside the RFC 6749 §4.1.2.1 character set');
  }
  if (response.status < 400 || kind === 'host') return problems;
  if (response.status === 404 && options.emptyNotFound && response.body.length === 0) return problems;
  if (kind === 'page') return [...problems, ...checkPage(response, options.head)];
  return [...problems, ...checkJsonError(response, options.head)];
}

/** A registered redirect URI, with any port on loopback (RFC 8252 §7.3), and then its query extended. */
function matchesRedirect(href: string, registered: string): boolean {
  const withoutPort = (u: string) => u.replace(/^(http:\/\/(?:127\.0\.0\.1|\[::1\]|localhost)):\d+/, '$1');
  const h = withoutPort(href);
  const r = withoutPort(registered);
  return h === r || h.startsWith(`${r}?`) || h.startsWith(`${r}&`) || (r.includes('?') && h.startsWith(r));
}
