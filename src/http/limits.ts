import { OAuthError, type OAuthErrorCode } from '../errors.js';
import {
  checkFieldCharacters,
  checkPathCharacters,
  codePoint,
  refusedCharacter,
  replaceControlCharacters,
} from './characters.js';

/**
 * The longest value each request field may have, in characters (UTF-16 code units), enforced once at
 * the boundary: query strings and forms (`Params`, and the router for every query string), the JSON
 * bodies of registration and the admin API, and the credential headers. A handler never sees a longer
 * value, so nothing downstream (a pattern, a hash, a database row, an audit event) pays for one.
 * The same checks refuse control characters (./characters.ts: one rule, applied here for every field).
 * Over-long is `400 invalid_request` naming the field and the limit (RFC 7591 registration answers with
 * its own codes). Every pattern Gatehouse applies to request input is also linear-time; these caps
 * bound the constant as well.
 */
export interface FieldLimit {
  max: number;
  /** Shortest accepted value, where a specification fixes one. */
  min?: number;
}

/** The cap for a field that has no entry below (any other parameter, known or not). */
export const DEFAULT_FIELD_LIMIT = 4096;
/** A parameter or JSON member name longer than this is refused outright. */
export const MAX_FIELD_NAME_LENGTH = 128;
/** `Authorization`: Basic credentials or a bearer JWT (an admin access token is well under 2 KB). */
export const MAX_AUTHORIZATION_HEADER = 8192;
/** `User-Agent` is kept (audit, DCR registrations) only up to this length; it is never refused. */
export const MAX_USER_AGENT = 512;
/** `Cookie`: the host application may set cookies on the same origin; Node's own header cap is 16 KB. */
export const MAX_COOKIE_HEADER = 16_384;

const URI = 2048;
const SHORT_WORD = 256;
const JWT = 8192;

export const FIELD_LIMITS = {
  // OAuth request parameters
  client_id: { max: URI }, // CIMD client IDs are URLs (lanes/cimd/url.ts MAX_CLIENT_ID_LENGTH)
  client_secret: { max: 512 },
  // An upstream SAML IdP's metadata, pasted into the admin API or the dashboard (operations/connection-definitions.ts).
  metadata_xml: { max: 60_000 },
  redirect_uri: { max: 2000 }, // what registration accepts (lanes/redirect-uri.ts)
  post_logout_redirect_uri: { max: 2000 },
  response_type: { max: SHORT_WORD },
  response_mode: { max: SHORT_WORD },
  grant_type: { max: SHORT_WORD }, // URN grant types are < 64
  scope: { max: 4096 },
  resource: { max: URI }, // RFC 8707 §2
  state: { max: 2048 },
  nonce: { max: 512 },
  prompt: { max: SHORT_WORD },
  max_age: { max: 16 },
  login_hint: { max: 512 },
  id_token_hint: { max: JWT },
  code_challenge: { max: 128 }, // RFC 7636 §4.2: an S256 challenge is 43; plain would be a verifier
  code_challenge_method: { max: SHORT_WORD },
  code_verifier: { min: 43, max: 128 }, // RFC 7636 §4.1
  // Opaque id.secret (~70), but as long as any token this server issues: a token of the wrong kind
  // (an access token sent as a refresh token) stays invalid_grant (RFC 6749 §5.2), not a length error.
  code: { max: JWT },
  refresh_token: { max: JWT },
  token: { max: JWT }, // RFC 7009 / RFC 7662: an access token (JWT) or refresh token; reset tokens
  token_type_hint: { max: SHORT_WORD },
  assertion: { max: JWT },
  client_assertion: { max: JWT }, // RFC 7523 §2.2: a signed JWT; 8 KB fits an RS512/4096 one with room
  client_assertion_type: { max: SHORT_WORD },
  subject_token: { max: JWT },
  actor_token: { max: JWT },
  // RFC 7591 §2 client metadata (registration bodies)
  client_uri: { max: URI },
  logo_uri: { max: URI },
  policy_uri: { max: URI },
  tos_uri: { max: URI },
  jwks_uri: { max: URI },
  software_statement: { max: JWT },
  // Hosted pages
  email: { max: 254 }, // RFC 5321 §4.5.3.1.3 (path) minus the angle brackets
  // argon2 pre-hashes its input, so length does not change its cost; 1024 bounds the work around it
  // and is far above any passphrase (NIST SP 800-63B §5.1.1.2 asks for at least 64).
  password: { max: 1024 },
  interaction: { max: 32_768 }, // sealed request: every field above at its cap still fits (unit test)
  csrf: { max: 128 }, // HMAC-SHA256 base64url: 43
  return_to: { max: 2048 },
  decision: { max: SHORT_WORD },
  // Dashboard forms and admin API bodies
  client_name: { max: 200 }, // as the configuration schema
  name: { max: 200 },
  reason: { max: 500 },
  redirect_uris: { max: 16_384 }, // the dashboard's one-per-line text area; JSON arrays: per item below
  scopes: { max: 4096 },
  default_scopes: { max: 4096 },
  q: { max: SHORT_WORD },
  // Branding (src/branding/schema.ts has the exact rules): 32 KiB of CSS, a 64 KiB image as a data: URL.
  stylesheet: { max: 32_768 },
  logo: { max: 90_000 },
  after: { max: URI },
  before: { max: 32 },
  limit: { max: 16 },
  // SAML HTTP-POST binding (connections/saml-acs.ts): the base64 Response within the 64 KB form body;
  // RelayState "MUST NOT exceed 80 bytes" (SAML bindings §3.5.3).
  SAMLResponse: { max: 60_000 },
  RelayState: { max: 80 },
} as const satisfies Record<string, FieldLimit>;

/** JSON array members checked item by item, with the limit of the singular field. */
const ARRAY_ITEM_FIELDS: Readonly<Record<string, string>> = {
  redirect_uris: 'redirect_uri',
  post_logout_redirect_uris: 'post_logout_redirect_uri',
  resources: 'resource',
  scopes: 'scope',
  default_scopes: 'scope',
  grant_types: 'grant_type',
  response_types: 'response_type',
};

// Own properties only: a field named `constructor` or `__proto__` gets the default, not Object's.
export function limitOf(name: string): FieldLimit {
  return Object.hasOwn(FIELD_LIMITS, name)
    ? (FIELD_LIMITS as Record<string, FieldLimit>)[name]!
    : { max: DEFAULT_FIELD_LIMIT };
}

function itemFieldOf(field: string): string {
  return Object.hasOwn(ARRAY_ITEM_FIELDS, field) ? ARRAY_ITEM_FIELDS[field]! : field;
}

/**
 * Why `value` cannot be the value of `name`, or undefined when its length is acceptable. `label` is how
 * the description names the field (`redirect_uris[2]` for an array item).
 */
export function checkFieldLength(name: string, value: string, label = name): string | undefined {
  if (name.length > MAX_FIELD_NAME_LENGTH)
    return `a parameter name is longer than ${MAX_FIELD_NAME_LENGTH} characters`;
  const { max, min } = limitOf(name);
  if (value.length > max) return `"${label}" is longer than ${max} characters`;
  // Control characters: one rule for every field (./characters.ts); PostgreSQL cannot store U+0000.
  const characters = checkFieldCharacters(name, value, label);
  if (characters) return characters;
  // An empty value is an omitted parameter (OAuth 2.1 §3.1), not a short one.
  if (min !== undefined && value.length > 0 && value.length < min)
    return `"${label}" is shorter than ${min} characters`;
  return undefined;
}

/** Throws `code` (default invalid_request) when `value` is out of bounds for field `name`. */
export function assertFieldLength(
  name: string,
  value: string,
  code: OAuthErrorCode = 'invalid_request',
): void {
  const problem = checkFieldLength(name, value);
  if (problem) throw new OAuthError(code, problem);
}

/** Throws `code` (default invalid_request) naming the first field whose value is out of bounds. */
export function assertFieldLengths(
  entries: Iterable<[string, string]>,
  code: OAuthErrorCode = 'invalid_request',
): void {
  for (const [name, value] of entries) assertFieldLength(name, value, code);
}

/**
 * Checks every string in a parsed JSON body: a member by its name, an array's items by the singular
 * field's limit, nested objects by their members' names. `codeFor` picks the error code per field.
 */
export function assertJsonFieldLengths(
  body: unknown,
  codeFor: (field: string) => OAuthErrorCode = () => 'invalid_request',
): void {
  const visit = (value: unknown, field: string, label: string, depth: number): void => {
    if (depth > 8) throw new OAuthError(codeFor(field), 'the JSON body is nested too deeply');
    if (typeof value === 'string') {
      const problem = checkFieldLength(field, value, label);
      if (problem) throw new OAuthError(codeFor(field), problem);
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, itemFieldOf(field), `${label}[${i}]`, depth + 1);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, member] of Object.entries(value)) {
        if (key.length > MAX_FIELD_NAME_LENGTH)
          throw new OAuthError(
            codeFor(key),
            `a member name is longer than ${MAX_FIELD_NAME_LENGTH} characters`,
          );
        const refused = refusedCharacter(key);
        if (refused !== undefined)
          throw new OAuthError(
            codeFor(key),
            `a member name contains a control character (${codePoint(refused)})`,
          );
        visit(member, key, label ? `${label}.${key}` : key, depth + 1);
      }
    }
  };
  visit(body, '', '', 0);
}

/**
 * Refuses an over-long `Authorization` or `Cookie` header before anything parses it (Node caps all
 * headers at 16 KB, but other runtimes and adapters may not).
 */
export function assertHeaderLengths(headers: Headers): void {
  const authorization = headers.get('authorization');
  if (authorization !== null && authorization.length > MAX_AUTHORIZATION_HEADER)
    throw new OAuthError(
      'invalid_request',
      `the Authorization header is longer than ${MAX_AUTHORIZATION_HEADER} characters`,
    );
  const cookie = headers.get('cookie');
  if (cookie !== null && cookie.length > MAX_COOKIE_HEADER)
    throw new OAuthError(
      'invalid_request',
      `the Cookie header is longer than ${MAX_COOKIE_HEADER} characters`,
      {
        status: 431,
      },
    );
}

/**
 * The query string and the path of every request, before any route reads them (the router): each
 * parameter within its limits (`assertFieldLengths`), no path segment decoding to a control character.
 */
export function assertUrlBounds(url: URL): void {
  // No query, nothing to parse (URL builds searchParams on first read).
  if (url.search !== '') assertFieldLengths(url.searchParams);
  const problem = checkPathCharacters(url.pathname);
  if (problem) throw new OAuthError('invalid_request', problem);
}

/**
 * The User-Agent as Gatehouse records it (audit, DCR registrations): cut to MAX_USER_AGENT, so a stored
 * copy is bounded, and any control character (a runtime other than Node's parser may pass one) replaced
 * by U+FFFD, so a stored copy never carries one to PostgreSQL, a page or a terminal. It is never refused.
 */
export function boundedUserAgent(headers: Headers): string | null {
  const value = headers.get('user-agent');
  return value === null ? null : replaceControlCharacters(value.slice(0, MAX_USER_AGENT));
}
