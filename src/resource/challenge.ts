import { corsHeaders } from './cors.js';
import { DPOP_ALGORITHMS } from './dpop.js';
import type { BearerError } from './errors.js';
import { metadataUrl } from './metadata.js';
import type { ResolvedResourceOptions } from './options.js';

/**
 * The `WWW-Authenticate` challenges of a protected resource (RFC 6750 §3, RFC 9728 §5.1, MCP
 * "Protected Resource Metadata Discovery Requirements" and "Scope Challenge Handling"):
 *
 * | case                                  | status | WWW-Authenticate                                                       |
 * |---------------------------------------|--------|------------------------------------------------------------------------|
 * | no token (or token only in the query) | 401    | Bearer resource_metadata="…", scope="…"                                |
 * | bad, expired, revoked, wrong aud/iss  | 401    | Bearer error="invalid_token", error_description="…", resource_metadata="…", scope="…" |
 * | scope missing                         | 403    | Bearer error="insufficient_scope", error_description="…", resource_metadata="…", scope="<every scope the operation needs>" |
 * | malformed header, two token methods   | 400    | Bearer error="invalid_request", error_description="…", resource_metadata="…" |
 *
 * Every 401 challenge is followed by a DPoP challenge (RFC 9449 §7.1): `DPoP algs="…", resource_metadata="…"`;
 * when the request used DPoP (or sent a DPoP-bound token as Bearer), the error is in the DPoP challenge
 * instead (`error="invalid_dpop_proof"` for a bad proof), and the Bearer challenge has none. A resource
 * that requires DPoP nonces (RFC 9449 §9) answers a proof without a current one with 401 and
 * `DPoP error="use_dpop_nonce"`, and sends `DPoP-Nonce` with every answer to a DPoP request.
 *
 * Every challenge exposes `WWW-Authenticate` through CORS, so browser-based clients can read it.
 */

export interface Challenge {
  status: 400 | 401 | 403;
  headers: Record<string, string>;
  /** JSON: `{ "error", "error_description" }` (`error` omitted when the request had no token). */
  body: string;
}

/** RFC 9110 §5.6.4 quoted-string: backslash-escape `\` and `"`; drop what a header cannot carry. */
export function quote(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/[\\"]/g, '\\$&')}"`;
}

/** RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no `"`, no `\`). */
function describe(description: string): string {
  return description
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/"/g, "'")
    .replace(/\\/g, '/');
}

function union(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * The challenge for `error` on an operation that needs `operationScopes`. A 401 names the scopes a
 * client should ask for in its next authorization (the configured challenge scopes plus the
 * operation's); a 403 names every scope the operation needs, in one challenge (MCP 2026-07-28
 * "Scope Challenge Handling"), so that the client's step-up asks for all of them at once.
 */
export function buildChallenge(
  config: ResolvedResourceOptions,
  error: BearerError,
  operationScopes: readonly string[] = [],
  extraHeaders: Record<string, string> = {},
): Challenge {
  const params: [string, string][] = [];
  const errorParams: [string, string][] =
    error.error === null
      ? []
      : [
          ['error', error.error],
          ['error_description', describe(error.description)],
        ];
  if (!error.dpop) params.push(...errorParams);
  params.push(['resource_metadata', metadataUrl(config.resource)]);
  const dpopParams: [string, string][] = [
    ...(error.dpop ? errorParams : []),
    ['algs', DPOP_ALGORITHMS.join(' ')],
    ['resource_metadata', metadataUrl(config.resource)],
  ];
  const render = (list: [string, string][]) =>
    list.map(([name, value]) => `${name}=${quote(value)}`).join(', ');
  const scopes =
    error.error === 'insufficient_scope'
      ? union(error.scopes)
      : error.error === 'invalid_request'
        ? []
        : union(config.challengeScopes, operationScopes).filter((scope) => scope !== 'offline_access');
  if (scopes.length) params.push(['scope', scopes.join(' ')]);

  const body =
    error.error === null
      ? { error_description: error.description }
      : { error: error.error, error_description: error.description };
  return {
    status: error.status,
    headers: {
      ...corsHeaders(),
      // RFC 9449 §7.1: a 401 (or any refusal of a DPoP request) also offers the DPoP scheme.
      'www-authenticate':
        error.status === 401 || error.dpop
          ? `Bearer ${render(params)}, DPoP ${render(dpopParams)}`
          : `Bearer ${render(params)}`,
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...extraHeaders,
    },
    body: JSON.stringify(body),
  };
}

export function challengeResponse(challenge: Challenge): Response {
  return new Response(challenge.body, { status: challenge.status, headers: challenge.headers });
}
