/**
 * The endpoints and fields control-characters.test.ts plants a control character in. A field is
 * `name`, `name[]` (a JSON array member), `a.b[].c` (a nested JSON member), `@name` (the character in
 * the member or parameter name instead of the value), or `basic:id` / `basic:secret` (Basic client
 * credentials, RFC 6749 §2.3.1). Adding a field or an endpoint is one line.
 */
import { RESOURCE } from '../helpers/fixtures.js';

export type Caller = 'anonymous' | 'pre-session' | 'admin-session' | 'admin-token';

export interface FieldTarget {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  note?: string;
  kind: 'api' | 'page';
  encoding: 'query' | 'form' | 'json';
  caller: Caller;
  fields: string[];
  base?: Record<string, unknown>;
  /** Control characters a field legitimately holds (src/http/characters.ts). */
  allows?: Record<string, string[]>;
  /** The error code expected for a field, when not invalid_request. */
  codeFor?: (field: string) => string;
}

/** C0 (NUL, SOH, HT, LF, CR, ESC, US), DEL and C1 (PAD, NEL, APC). */
export const CONTROLS = [
  '\u0000',
  '\u0001',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u001f',
  '\u007f',
  '\u0080',
  '\u0085',
  '\u009f',
];
const NOT_NUL = CONTROLS.filter((c) => c !== '\u0000');
const TEXT_AREA = ['\t', '\n', '\r'];

/** Puts `value` at `field` (see the header) in `fields`. */
export function place(fields: Record<string, unknown>, field: string, value: string): void {
  const inName = field.startsWith('@');
  const steps = (inName ? field.slice(1) : field).split('.');
  let node: Record<string, unknown> = fields;
  for (const step of steps.slice(0, -1)) {
    const name = step.replace('[]', '');
    node[name] ??= step.endsWith('[]') ? [{}] : {};
    const next = node[name];
    node = (Array.isArray(next) ? next[0] : next) as Record<string, unknown>;
  }
  const last = steps.at(-1)!;
  if (inName) node[`${last}${value}`] = 'v';
  else if (last.endsWith('[]')) node[last.slice(0, -2)] = [value];
  else node[last] = value;
}

const AUTHORIZE = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'resource',
  'nonce',
  'prompt',
  'login_hint',
  'max_age',
  '@x_unknown',
];
const AUTHORIZE_BASE = {
  client_id: 'native-app',
  redirect_uri: 'http://127.0.0.1/callback',
  response_type: 'code',
};
const CLIENT_AUTH = ['client_id', 'client_secret', 'basic:id', 'basic:secret', '@x_unknown'];
const LOGOUT = ['client_id', 'post_logout_redirect_uri', 'state', 'id_token_hint', 'csrf'];
const PASSWORD = { password: NOT_NUL };
const REGISTRATION = [
  'redirect_uris[]',
  'client_name',
  'scope',
  'client_uri',
  'logo_uri',
  'tos_uri',
  'grant_types[]',
  'response_types[]',
  'token_endpoint_auth_method',
  'contacts[]',
  'software_id',
  'jwks.keys[].kid',
  '@x_unknown',
  '@jwks.keys[].x',
];
const registrationCode = (field: string) =>
  field.startsWith('redirect_uris') ? 'invalid_redirect_uri' : 'invalid_client_metadata';

const t = (
  name: string,
  kind: FieldTarget['kind'],
  encoding: FieldTarget['encoding'],
  caller: Caller,
  fields: string[],
  extra: Partial<FieldTarget> = {},
): FieldTarget => {
  const [method, path, note] = name.split(' ') as [FieldTarget['method'], string, string | undefined];
  return { method, path, note, kind, encoding, caller, fields, ...extra };
};

// biome-ignore format: one endpoint per line, so adding a field or an endpoint is one line
export const FIELD_TARGETS: FieldTarget[] = [
  t('GET /authorize', 'page', 'query', 'anonymous', AUTHORIZE, { base: AUTHORIZE_BASE }),
  t('POST /authorize', 'page', 'form', 'anonymous', AUTHORIZE, { base: AUTHORIZE_BASE }),
  t('POST /token authorization_code', 'api', 'form', 'anonymous', ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'resource', ...CLIENT_AUTH], { base: { grant_type: 'authorization_code', client_id: 'web-app', code: 'ghc_x.y', redirect_uri: 'https://app.example/cb' } }),
  t('POST /token refresh_token', 'api', 'form', 'anonymous', ['refresh_token', 'scope', 'resource', ...CLIENT_AUTH], { base: { grant_type: 'refresh_token', client_id: 'web-app', refresh_token: 'ghr_x.y' } }),
  t('POST /token client_credentials', 'api', 'form', 'anonymous', ['scope', 'resource', ...CLIENT_AUTH], { base: { grant_type: 'client_credentials', client_id: 'web-app' } }),
  t('POST /revoke', 'api', 'form', 'anonymous', ['token', 'token_type_hint', ...CLIENT_AUTH], { base: { client_id: 'web-app', token: 'x' } }),
  t('POST /introspect', 'api', 'form', 'anonymous', ['token', 'token_type_hint', ...CLIENT_AUTH], { base: { client_id: 'web-app', token: 'x' } }),
  t('POST /register', 'api', 'json', 'anonymous', REGISTRATION, { base: { redirect_uris: ['http://127.0.0.1/callback'] }, codeFor: registrationCode }),
  t('GET /login', 'page', 'query', 'anonymous', ['interaction', 'return_to']),
  t('POST /login', 'page', 'form', 'pre-session', ['email', 'password', 'csrf', 'interaction', 'return_to', '@x'], { base: { email: 'ada@example.com', password: 'x' }, allows: PASSWORD }),
  t('POST /signup', 'page', 'form', 'pre-session', ['email', 'password', 'csrf', 'interaction'], { base: { email: 'new@example.com', password: 'short' }, allows: PASSWORD }),
  t('GET /forgot-password', 'page', 'query', 'anonymous', ['interaction']),
  t('POST /forgot-password', 'page', 'form', 'pre-session', ['email', 'csrf', 'interaction'], { base: { email: 'ada@example.com' } }),
  t('GET /reset-password', 'page', 'query', 'anonymous', ['token']),
  t('POST /reset-password', 'page', 'form', 'pre-session', ['token', 'password', 'csrf'], { allows: PASSWORD }),
  t('GET /authorize/resume', 'page', 'query', 'admin-session', ['interaction']),
  t('POST /consent', 'page', 'form', 'admin-session', ['interaction', 'decision', 'csrf'], { base: { decision: 'allow' } }),
  t('GET /logout', 'page', 'query', 'admin-session', LOGOUT),
  t('POST /logout', 'page', 'form', 'anonymous', LOGOUT),
  t('GET /client-logo', 'page', 'query', 'anonymous', ['client_id']),
  // The admin API, with an automation token
  t('POST /admin/api/clients', 'api', 'json', 'admin-token', ['client_id', 'client_name', 'redirect_uris[]', 'grant_types[]', 'scope', 'resources[]', 'token_endpoint_auth_method', '@x', 'jwks.keys[].kid'], { base: { client_id: 'cc-app', redirect_uris: ['https://cc.example/cb'] } }),
  t('PATCH /admin/api/clients/native-app', 'api', 'json', 'admin-token', ['redirect_uris[]', 'scope', 'client_name', '@x']),
  t('POST /admin/api/clients/web-app/disable', 'api', 'json', 'admin-token', ['reason']),
  t('POST /admin/api/users', 'api', 'json', 'admin-token', ['email', 'password'], { base: { email: 'cc@example.com', password: 'long enough password' }, allows: PASSWORD }),
  t('PATCH /admin/api/resources', 'api', 'json', 'admin-token', ['resource', 'name', 'scopes[]', 'default_scopes[]'], { base: { resource: RESOURCE } }),
  t('GET /admin/api/clients', 'api', 'query', 'admin-token', ['q', 'after', 'source', 'status', 'resource', 'limit']),
  t('GET /admin/api/users', 'api', 'query', 'admin-token', ['q', 'after', 'limit']),
  t('GET /admin/api/audit', 'api', 'query', 'admin-token', ['type', 'client_id', 'user_id', 'since', 'until', 'before', 'limit']),
  // The dashboard, with an administrator's session
  t('GET /admin/clients', 'page', 'query', 'admin-session', ['client', 'q', 'after', 'done']),
  t('POST /admin/clients/new', 'page', 'form', 'admin-session', ['kind', 'client_name', 'redirect_uris', 'scope', 'resources', 'csrf'], { allows: { redirect_uris: TEXT_AREA } }),
  t('POST /admin/clients/action', 'page', 'form', 'admin-session', ['op', 'client_id', 'reason', 'return_to', 'confirmed', 'redirect_uris', 'scope'], { base: { op: 'edit', client_id: 'native-app' }, allows: { redirect_uris: TEXT_AREA } }),
  t('POST /admin/users/action', 'page', 'form', 'admin-session', ['op', 'email', 'password', 'user_id', 'return_to', 'confirmed', 'admin'], { base: { op: 'create' }, allows: PASSWORD }),
  t('POST /admin/resources/action', 'page', 'form', 'admin-session', ['op', 'resource', 'name', 'scopes', 'default_scopes', 'lane_dcr'], { base: { op: 'edit', resource: RESOURCE } }),
  t('POST /admin/keys/action', 'page', 'form', 'admin-session', ['op', 'confirmed']),
];
