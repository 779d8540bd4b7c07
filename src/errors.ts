/**
 * The one error type of Gatehouse. `error` is the RFC error code verbatim so callers can `switch` on it;
 * `description` is safe to show to clients; `detail` is for logs only and never leaves the server.
 *
 * @see RFC 6749 §4.1.2.1, §5.2; OAuth 2.1 §4.1.2.1, §3.2.4; RFC 8707 §2; RFC 7009 §2.2.1; RFC 7591 §3.2.2
 */
/** Every error code Gatehouse answers with; the metrics label only these (anything else is "other"). */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'access_denied',
  'unsupported_response_type',
  'unsupported_token_type',
  'server_error',
  'temporarily_unavailable',
  'login_required',
  'consent_required',
  'interaction_required',
  'invalid_redirect_uri',
  'invalid_client_metadata',
  'invalid_software_statement',
  'unapproved_software_statement',
  'invalid_token',
  'insufficient_scope',
  'not_found',
  'method_not_allowed',
  'rate_limited',
  'forbidden',
  // RFC 9449 §5, §8: a bad DPoP proof; a proof without the server's current nonce.
  'invalid_dpop_proof',
  'use_dpop_nonce',
  // OIDC Core §3.1.2.6: the request or request_uri parameter (request objects) is not supported.
  'request_not_supported',
  'request_uri_not_supported',
] as const;

export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

export interface OAuthErrorOptions {
  /** Private detail, logged and never sent. */
  detail?: string;
  /**
   * Whether the error may be sent to the client's redirect_uri. Only true once the client and the
   * redirect URI have been verified (OAuth 2.1 §4.1.2.1: never redirect to an unverified URI).
   */
  redirectable?: boolean;
  /** HTTP status; defaults from the code. */
  status?: number;
  /** Extra response headers (e.g. WWW-Authenticate, Retry-After). */
  headers?: Record<string, string>;
  cause?: unknown;
  /**
   * What was wrong and what to change, for a developer reading Gatehouse's own error page
   * (src/pages/error.ts). Never redirected or sent in a JSON body; it must hold only what the page
   * may show to anyone (docs/security.md, "What an authorization error page shows").
   */
  explanation?: ErrorExplanation;
}

export interface ErrorExplanation {
  /** Labelled values, e.g. "Refused address" → [uri]; each value is shown as code. */
  facts: { label: string; values: string[] }[];
  /** What to change, in a sentence or two. */
  fix?: string;
}

const defaultStatus: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  forbidden: 403,
  access_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  rate_limited: 429,
  server_error: 500,
  temporarily_unavailable: 503,
};

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly description: string;
  readonly detail: string | undefined;
  readonly explanation: ErrorExplanation | undefined;
  readonly redirectable: boolean;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(error: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(`${error}: ${description}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OAuthError';
    this.error = error;
    this.description = toErrorDescription(description);
    this.detail = options.detail;
    this.explanation = options.explanation;
    this.redirectable = options.redirectable ?? false;
    this.status = options.status ?? defaultStatus[error] ?? 400;
    this.headers = options.headers ?? {};
  }

  /** A copy that may be redirected to the (now verified) redirect URI. */
  asRedirectable(): OAuthError {
    return new OAuthError(this.error, this.description, {
      detail: this.detail,
      redirectable: true,
      status: this.status,
      headers: this.headers,
    });
  }
}

/**
 * A description as the wire allows it, in a JSON body or a redirect's query alike: RFC 6749 §5.2 and
 * §4.1.2.1 admit only %x20-21 / %x23-5B / %x5D-7E. Quotes become apostrophes, backslashes slashes,
 * anything else outside the set (echoed input: non-ASCII, control characters) a question mark.
 */
export function toErrorDescription(text: string): string {
  return text
    .replaceAll('"', "'")
    .replaceAll('\\', '/')
    .replace(/[^\x20-\x7e]/g, '?');
}

export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError;
}
