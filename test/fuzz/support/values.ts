import fc from 'fast-check';

/**
 * The hostile values the HTTP fuzz suite sends: invalid and overlong percent-encodings, invalid UTF-8,
 * poisonous characters (NUL, lone surrogates, CR LF, bidi controls, markup), huge and deeply nested
 * JSON, header text at the edge of what Node's parser accepts.
 */

/** A marker that must never come back unescaped in an HTML page. */
export const MARKER = '<x-fuzz a="1">';

export const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'QUERY',
];

export const PARAM_NAMES = [
  'client_id',
  'client_secret',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'resource',
  'code',
  'code_challenge',
  'code_challenge_method',
  'code_verifier',
  'grant_type',
  'refresh_token',
  'token',
  'token_type_hint',
  'prompt',
  'nonce',
  'max_age',
  'login_hint',
  'id_token_hint',
  'post_logout_redirect_uri',
  'request',
  'request_uri',
  'interaction',
  'csrf',
  'email',
  'password',
  'return_to',
  'decision',
  'confirmed',
  'op',
  'reason',
  'q',
  'limit',
  'after',
  'before',
  'since',
  'until',
  'source',
  'status',
  'type',
  'user_id',
  'done',
  'access_token',
];

/** Characters and runs that break storage, parsing or rendering when they get through. */
export const POISON = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\r\n',
  '\u2028',
  '\u202e',
  '%',
  '"',
  "'",
  '\\',
  MARKER,
  '99999999999999999999999',
  '-1',
  '.',
  '/',
];

/** Hostile strings, some already percent-encoded (sent verbatim), some plain (encoded when sent). */
export const hostileRaw = fc.oneof(
  fc.constantFrom(
    '%',
    '%%',
    '%zz',
    '%0',
    '%00',
    '%0d%0a',
    '%C0%AF',
    '%C0%80',
    '%E0%80%AF',
    '%ED%A0%80',
    '%F4%90%80%80',
    '%FF%FE',
    '%2e%2e%2f',
    '%252e%252e%252f',
    '%25%32%65',
    '%u002e',
    '&&&==&',
    '=',
  ),
  fc.tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 1, max: 6 })).map(([s, depth]) => {
    let v = s;
    for (let i = 0; i < depth; i++) v = encodeURIComponent(v);
    return v;
  }),
);

/** Query strings share Node's 16 KB header limit; bodies may hold values up to the 64 KB body limit. */
export const hostilePlain = (maxHuge: number) =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      MARKER,
      `"><script>${MARKER}`,
      '\u0000',
      '\r\nset-cookie: x=1',
      '\u202e\u2066',
      '\ud800',
      'https://evil.example/cb',
      'http://127.0.0.1:1/callback',
      'javascript:alert(1)',
      '//evil.example',
      '/\\evil.example',
      'ghr_AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      '-1',
      '1e308',
      '99999999999999999999999',
      'NaN',
      '0x10',
      '2026-13-45',
      'true',
      '[]',
      '{}',
    ),
    fc.integer({ min: 256, max: maxHuge }).map((n) => 'A'.repeat(n)),
  );

export const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0x80, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

export const deepJson = fc.oneof(
  fc.integer({ min: 100, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 100, max: 10_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.integer({ min: 100, max: 5_000 }).map((n) => `{"redirect_uris":${'['.repeat(n)}${']'.repeat(n)}}`),
);

export const registrationLike = fc
  .tuple(
    fc.constantFrom(
      'redirect_uris',
      'client_name',
      'grant_types',
      'response_types',
      'scope',
      'token_endpoint_auth_method',
      'application_type',
      'logo_uri',
      'client_uri',
      'jwks',
      'software_statement',
      'confidential',
      'resources',
      'first_party',
      'reason',
      'email',
      'password',
      'admin',
      'name',
      'scopes',
      'lanes',
      '__proto__',
      'constructor',
    ),
    fc.jsonValue({ maxDepth: 4 }),
  )
  .map(([key, value]) =>
    JSON.stringify({
      client_name: 'Fuzz',
      redirect_uris: ['http://127.0.0.1/callback'],
      [key]: value,
    }),
  );

export const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'APPLICATION/X-WWW-FORM-URLENCODED;charset=ISO-8859-1',
  'application/json',
  'application/json; charset=utf-16',
  'application/jwt',
  'text/plain',
  'multipart/form-data; boundary=xyz',
  'application/x-www-form-urlencoded, application/json',
  '*/*',
  '',
  ';',
];

/** Header values that stay within what Node's parser accepts (visible ASCII, space, obs-text). */
export const headerText = fc
  .string({
    unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x20 : c)),
    maxLength: 60,
  })
  .map((s) => Buffer.from(s, 'latin1'));

/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD). */
export function pct(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
