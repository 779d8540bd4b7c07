/**
 * Why a request to a protected resource was refused. `error` is the RFC 6750 §3.1 code verbatim, or
 * `null` when the request carried no credentials at all (§3.1: then no error code is sent).
 * `description` may be shown to the client; `detail` is for logs only.
 *
 * @see RFC 6750 §3, §3.1
 */
export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

export class BearerError extends Error {
  readonly error: BearerErrorCode | null;
  readonly description: string;
  readonly detail: string | undefined;
  /** For insufficient_scope: every scope the operation needs. */
  readonly scopes: readonly string[];
  /** The request used DPoP (RFC 9449 §7.1): the DPoP challenge carries the error. */
  readonly dpop: boolean;

  constructor(
    error: BearerErrorCode | null,
    description: string,
    options: { detail?: string; scopes?: readonly string[]; cause?: unknown; dpop?: boolean } = {},
  ) {
    super(description, { cause: options.cause });
    this.name = 'BearerError';
    this.error = error;
    this.description = description;
    this.detail = options.detail;
    this.scopes = options.scopes ?? [];
    this.dpop = options.dpop ?? false;
  }

  /** RFC 6750 §3.1: 400 for invalid_request, 401 for a missing or bad token, 403 for missing scope. */
  get status(): 400 | 401 | 403 {
    if (this.error === 'invalid_request') return 400;
    if (this.error === 'insufficient_scope') return 403;
    return 401;
  }
}

export function isBearerError(value: unknown): value is BearerError {
  return value instanceof BearerError;
}

/** A bad `createProtectedResource` option, named in the message: `resource: must use https`. */
export class ResourceConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceConfigError';
  }
}
