import { OAuthError } from '../errors.js';
import { readLimited } from './body.js';
import { assertFieldLength } from './limits.js';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Request parameters with the OAuth 2.1 rules applied at the boundary (§3.1, §3.2): a parameter sent
 * without a value is treated as omitted, and a parameter may not be repeated (except where an extension
 * allows it, like RFC 8707 `resource`). Every value is within its field's length limit (limits.ts) and
 * no name or value holds a control character (characters.ts), or construction throws invalid_request
 * naming the field.
 */
export class Params {
  /** Each name's non-empty values, in order, collected once (get, all and repeated read them). */
  readonly #values = new Map<string, string[]>();

  constructor(private readonly source: URLSearchParams) {
    // One pass over the pairs: each is bounded (limits.ts) before it is kept.
    for (const [name, value] of source) {
      assertFieldLength(name, value);
      if (value === '') continue;
      const values = this.#values.get(name);
      if (values) values.push(value);
      else this.#values.set(name, [value]);
    }
  }

  /** The single value of `name`, or undefined. Throws invalid_request when it is repeated. */
  get(name: string): string | undefined {
    const values = this.#values.get(name);
    if (values !== undefined && values.length > 1) {
      throw new OAuthError('invalid_request', `"${name}" must not be repeated`);
    }
    return values?.[0];
  }

  /** Every non-empty value of a parameter that may repeat. */
  all(name: string): string[] {
    return [...(this.#values.get(name) ?? [])];
  }

  /** The names that are sent more than once with a value. */
  repeated(): string[] {
    const names: string[] = [];
    for (const [name, values] of this.#values) if (values.length > 1) names.push(name);
    return names;
  }

  entries(): [string, string][] {
    return [...this.source];
  }
}

export function queryParams(url: URL): Params {
  return new Params(url.searchParams);
}

const tooLarge = () => new OAuthError('invalid_request', 'request body is too large', { status: 413 });

/**
 * Reads at most `limit` bytes of the body, refusing more (never buffering an unbounded body). Not an
 * async function: every token request comes through here, and the body's own promise is handed on
 * rather than wrapped in another (a refusal is still a rejected promise, never a synchronous throw).
 */
export function readBody(request: Request, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = request.headers.get('content-length');
  // With a declared length the HTTP parser ends the body there, so it is bounded: read it in one go
  // (adapters such as @hono/node-server serve text() without building a web stream). Without one
  // (chunked), stream it and stop at the limit.
  if (declared !== null) {
    if (Number(declared) > limit) return Promise.reject(tooLarge());
    return request.text();
  }
  return readLimited(request.body, limit).then((body) => {
    if (!body) throw tooLarge();
    return body.toString('utf8');
  });
}

/**
 * Parses an application/x-www-form-urlencoded body; any other content type is invalid_request
 * (OAuth 2.1 §3.2: token requests are form-encoded).
 */
export function formParams(request: Request): Promise<Params> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return Promise.reject(
      new OAuthError('invalid_request', 'the request body must be application/x-www-form-urlencoded'),
    );
  }
  return readBody(request).then(toParams);
}

const toParams = (body: string) => new Params(new URLSearchParams(body));
