import { BearerError } from './errors.js';

/**
 * Reading the access token from a request. Only the `Authorization: Bearer` header is accepted (MCP
 * "Token Requirements": tokens MUST NOT be sent in the query string; RFC 6750 §2.1). A token in the
 * query (`access_token=`, RFC 6750 §2.3) is never read: alone, the request counts as carrying no token;
 * next to a header, it is a request using two methods, which RFC 6750 §3.1 makes invalid_request.
 */

/** What the extraction needs from a request, whatever the framework. */
export interface BearerRequest {
  /** The `Authorization` header value, if any. */
  authorization: string | null | undefined;
  /** The request URL (absolute or path with query), to detect a token in the query string. */
  url?: string;
  /** The request method: a DPoP proof's `htm` (RFC 9449 §4.2). @default GET */
  method?: string;
  /** The `DPoP` header value (RFC 9449 §4.1), if any. */
  dpop?: string | string[] | null;
}

/** RFC 6750 §2.1: `Bearer` SP b64token; the scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const MAX_TOKEN_LENGTH = 16_384;

function hasQueryToken(url: string | undefined): boolean {
  if (!url) return false;
  const query = url.indexOf('?');
  if (query === -1) return false;
  return new URLSearchParams(url.slice(query + 1, url.includes('#') ? url.indexOf('#') : undefined)).has(
    'access_token',
  );
}

/** Returns the bearer token, or throws BearerError with the RFC 6750 §3.1 code (null: no credentials). */
export function extractBearerToken(request: BearerRequest): string {
  const header = request.authorization ?? null;
  const inQuery = hasQueryToken(request.url);
  const isBearer = header !== null && /^bearer(\s|$)/i.test(header.trim());
  if (inQuery && isBearer) {
    throw new BearerError(
      'invalid_request',
      'Send the access token in one way only: the Authorization header.',
    );
  }
  if (!isBearer) {
    // RFC 6750 §3.1: no token (or an unsupported method) gets a challenge without an error code.
    throw new BearerError(
      null,
      inQuery
        ? 'Access tokens are accepted only in the Authorization header.'
        : 'This resource requires a bearer access token.',
      {
        detail: inQuery
          ? 'access_token in the query string ignored'
          : header === null
            ? 'no Authorization header'
            : 'not a Bearer credential',
      },
    );
  }
  const match = BEARER.exec(header);
  if (!match) throw new BearerError('invalid_request', 'The Authorization header is malformed.');
  const token = match[1]!;
  if (token.length > MAX_TOKEN_LENGTH)
    throw new BearerError('invalid_token', 'The access token is invalid.', { detail: 'token too large' });
  return token;
}
