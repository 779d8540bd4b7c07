import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { assertJsonFieldLengths } from '../http/limits.js';
import { readBody } from '../http/params.js';
import { jsonNoStore } from '../http/respond.js';

/**
 * The HTTP rules of the headless API (docs/headless.md, "Security rules"): who may call it, its CORS
 * answers and its JSON bodies. Every request carries an `Origin` the operator listed in
 * `headless.origins` (a browser always sends it on a cross-origin fetch); CORS is credentialed and names
 * that one origin, never `*`. State-changing calls also carry the CSRF token the state endpoint gave
 * out, in the `X-Gatehouse-CSRF` header (checked in headless-actions.ts), and are JSON, so a plain HTML
 * form or a no-cors fetch from another site cannot make one.
 * @see Fetch standard, CORS protocol; OAuth 2.1 §7.9; RFC 9700 §4.4.1.8
 */

export const CSRF_HEADER = 'x-gatehouse-csrf';
const MAX_JSON_BYTES = 48 * 1024;

/**
 * The calling page's origin when it is allowed, or a 403. A request without `Origin` is accepted only
 * as a same-origin GET (browsers omit it there) when the issuer's own origin is listed.
 */
export function assertAllowedOrigin(ctx: Context, req: RequestInfo): string {
  const origin = req.request.headers.get('origin');
  const allowed = ctx.config.headless.origins;
  if (origin !== null && allowed.includes(origin)) return origin;
  const sameOriginGet =
    origin === null &&
    req.request.method === 'GET' &&
    req.request.headers.get('sec-fetch-site') === 'same-origin' &&
    allowed.includes(ctx.config.origin);
  if (sameOriginGet) return ctx.config.origin;
  throw new OAuthError('forbidden', 'This origin may not use the headless sign-in API.', {
    detail: `origin ${origin ?? '(none)'}`,
  });
}

/** The CORS headers of every answer to an allowed origin (errors included, so the page can read them). */
export function credentialedCors(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'retry-after',
    vary: 'Origin',
  };
}

/** The preflight answer: the methods and headers the API takes, cached by the browser for 10 minutes. */
export function headlessPreflight(origin: string, method: string): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...credentialedCors(origin),
      'access-control-allow-methods': method,
      'access-control-allow-headers': `content-type, ${CSRF_HEADER}`,
      'access-control-max-age': '600',
    },
  });
}

export function headlessJson(
  req: RequestInfo,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return jsonNoStore(body, { headers: { ...req.cors, ...headers } });
}

/** A JSON object body (Content-Type: application/json), every string member within its field's limits. */
export async function readJsonBody(req: RequestInfo): Promise<Record<string, unknown>> {
  const type = (req.request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new OAuthError('invalid_request', 'the request body must be JSON (Content-Type: application/json)');
  const text = await readBody(req.request, MAX_JSON_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_request', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new OAuthError('invalid_request', 'the request body must be a JSON object');
  assertJsonFieldLengths(body);
  return body as Record<string, unknown>;
}

/** A string member of the body, or undefined when absent or empty; any other type is invalid_request. */
export function stringMember(body: Record<string, unknown>, name: string): string | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `"${name}" must be a string`);
  return value;
}

/** A required string member. */
export function requiredMember(body: Record<string, unknown>, name: string): string {
  const value = stringMember(body, name);
  if (value === undefined) throw new OAuthError('invalid_request', `"${name}" is required`);
  return value;
}
