import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';
import { type Template, templateArb } from './templates.js';
import {
  CONTENT_TYPES,
  deepJson,
  headerText,
  hostilePlain,
  hostileRaw,
  INVALID_UTF8,
  METHODS,
  PARAM_NAMES,
  POISON,
  pct,
  registrationLike,
} from './values.js';

export { MARKER } from './values.js';

/**
 * Random and mutated HTTP requests for the fuzz suite. Every request starts from an endpoint the router
 * serves and a pool of values that are valid somewhere (real client ids, tokens, session cookies, CSRF
 * tokens, interaction state), then mixes in hostile ones: invalid and overlong percent-encodings,
 * invalid UTF-8, duplicated parameters and headers, huge and deeply nested values.
 */

export interface Endpoint {
  /** Path as served; an admin `:id` segment is filled in from the pool's ids for each request. */
  path: string;
  methods: string[];
}

/** A generated request and where it was aimed (`exact`: the path was not mutated). */
export interface FuzzRequest {
  endpoint: Endpoint;
  exact: boolean;
  request: RawRequest;
}

/** Values that are meaningful to the server under test, by parameter / header name. */
export interface Pool {
  params: Record<string, string[]>;
  authorization: string[];
  /** Credentials of an administrator (bearer token, session cookie), used more often on admin routes. */
  admin: { authorization: string; cookie: string };
  cookies: string[];
  csrfHeaders: string[];
  origins: string[];
  /** Values for `:id` path segments (client ids, user ids, junk), already percent-encoded. */
  ids: string[];
  /** Valid requests to mutate one thing in (templates.ts). */
  templates: Template[];
}

/** One parameter: a name (known or random) and a value (pool, hostile, or raw-encoded). */
function paramArb(pool: Pool, maxHuge: number): fc.Arbitrary<[string, { raw: string } | { plain: string }]> {
  const name = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...PARAM_NAMES) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  );
  return name.chain((n) => {
    const known = Object.hasOwn(pool.params, n) ? pool.params[n] : undefined;
    const good = fc.constantFrom(...(known ?? ['', 'x', '1']));
    const value = fc.oneof(
      { weight: known ? 5 : 0, arbitrary: good.map((plain) => ({ plain })) },
      // A meaningful value with one poisonous character or digit run spliced in.
      {
        weight: 2,
        arbitrary: fc.tuple(good, fc.constantFrom(...POISON), fc.nat()).map(([v, p, at]) => ({
          plain: `${v.slice(0, at % (v.length + 1))}${p}${v.slice(at % (v.length + 1))}`,
        })),
      },
      { weight: 2, arbitrary: hostilePlain(maxHuge).map((plain) => ({ plain })) },
      { weight: 1, arbitrary: hostileRaw.map((raw) => ({ raw })) },
    );
    return fc.tuple(fc.constant(n), value);
  });
}

function encodeParams(params: [string, { raw: string } | { plain: string }][]): string {
  return params.map(([k, v]) => `${pct(k)}=${'raw' in v ? v.raw : pct(v.plain)}`).join('&');
}

type Body = [Buffer, string];

function bodyArb(
  paramsArb: fc.Arbitrary<[string, { raw: string } | { plain: string }][]>,
): fc.Arbitrary<Body> {
  const FORM = 'application/x-www-form-urlencoded';
  const JSON_TYPE = 'application/json';
  return fc.oneof(
    { weight: 5, arbitrary: paramsArb.map((p): Body => [Buffer.from(encodeParams(p)), FORM]) },
    {
      weight: 2,
      arbitrary: fc.tuple(paramsArb, fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([p, bad, at]): Body => {
        const text = Buffer.from(encodeParams(p));
        const cut = text.length ? at % text.length : 0;
        return [Buffer.concat([text.subarray(0, cut), bad, text.subarray(cut)]), FORM];
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .jsonValue({ maxDepth: 5 })
        .map((v): Body => [Buffer.from(JSON.stringify(v) ?? ''), JSON_TYPE]),
    },
    { weight: 3, arbitrary: registrationLike.map((s): Body => [Buffer.from(s), JSON_TYPE]) },
    { weight: 1, arbitrary: deepJson.map((s): Body => [Buffer.from(s), JSON_TYPE]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.uint8Array({ maxLength: 2048 }),
          fc.constantFrom(FORM, JSON_TYPE, 'application/octet-stream'),
        )
        .map(([a, type]): Body => [Buffer.from(a), type]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 60_000, max: 70_000 }), fc.constantFrom(FORM, JSON_TYPE))
        .map(
          ([n, type]): Body => [
            Buffer.from(type === FORM ? `a=${'b'.repeat(n)}` : `"${'b'.repeat(n)}"`),
            type,
          ],
        ),
    },
  );
}

function headerArb(pool: Pool): fc.Arbitrary<[string, Buffer | string]> {
  return fc.oneof(
    fc.tuple(fc.constant('content-type'), fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText)),
    fc.tuple(
      fc.constant('authorization'),
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...pool.authorization) },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.constantFrom('Basic ', 'basic  ', 'Bearer ', 'BEARER ', 'Digest ', ''), headerText)
            .map(([scheme, rest]) => Buffer.concat([Buffer.from(scheme), rest])),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }))
            .map(([a, b]) => `Basic ${Buffer.from(`${a}:${b}`).toString('base64')}`),
        },
      ),
    ),
    fc.tuple(
      fc.constant('cookie'),
      fc.oneof(
        fc.constantFrom(...pool.cookies),
        headerText,
        fc
          .tuple(fc.constantFrom(...pool.cookies), headerText)
          .map(([good, junk]) => Buffer.concat([junk, Buffer.from('; '), Buffer.from(good)])),
      ),
    ),
    fc.tuple(fc.constant('origin'), fc.oneof(fc.constantFrom(...pool.origins), headerText)),
    fc.tuple(fc.constant('x-csrf-token'), fc.oneof(fc.constantFrom(...pool.csrfHeaders), headerText)),
    fc.tuple(
      fc.constantFrom('x-forwarded-for', 'forwarded', 'x-real-ip'),
      fc.oneof(fc.ipV4(), fc.ipV6(), headerText),
    ),
    fc.tuple(
      fc.constantFrom('content-encoding', 'accept-encoding', 'range', 'if-none-match'),
      fc.oneof(fc.constantFrom('gzip', 'br', 'deflate, gzip', 'identity', 'bytes=0-1', '*'), headerText),
    ),
    fc.tuple(fc.constantFrom('user-agent', 'referer', 'accept', 'accept-language'), headerText),
    fc.tuple(
      fc.constantFrom('user-agent', 'x-large'),
      fc.integer({ min: 1000, max: 8000 }).map((n) => 'u'.repeat(n)),
    ),
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), headerText),
  );
}

function pathArb(endpoint: Endpoint, ids: string[]): fc.Arbitrary<{ path: string; exact: boolean }> {
  const filled = endpoint.path.includes(':id')
    ? fc.constantFrom(...ids).map((id) => endpoint.path.replace(':id', id))
    : fc.constant(endpoint.path);
  return filled.chain((p) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant({ path: p, exact: true }) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(
            `${p}/`,
            `/${p}`,
            p.toUpperCase(),
            `${p};jsessionid=1`,
            `${p}/..%2f..%2f`,
            `${p}/./`,
            p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
          )
          .map((path) => ({ path, exact: false })),
      },
      { weight: 1, arbitrary: hostileRaw.map((raw) => ({ path: `${p}/${raw}`, exact: false })) },
    ),
  );
}

/**
 * A request: two in three random (a method, a target with a query, headers, some repeated, maybe a
 * body), one in three a valid request from a template with one thing changed.
 */
export function requestArb(endpoints: Endpoint[], pool: Pool): fc.Arbitrary<FuzzRequest> {
  const random = randomRequestArb(endpoints, pool);
  return pool.templates.length
    ? fc.oneof({ weight: 2, arbitrary: random }, { weight: 1, arbitrary: templateArb(pool.templates) })
    : random;
}

function randomRequestArb(endpoints: Endpoint[], pool: Pool): fc.Arbitrary<FuzzRequest> {
  // Duplicated parameters: repeat one of the list.
  const withDuplicates = (maxHuge: number) =>
    fc
      .array(paramArb(pool, maxHuge), { maxLength: 8 })
      .chain((list) =>
        list.length === 0
          ? fc.constant(list)
          : fc
              .tuple(fc.nat(list.length - 1), fc.boolean())
              .map(([i, dup]) => (dup ? [...list, list[i]!] : list)),
      );
  return fc.constantFrom(...endpoints).chain((endpoint) =>
    fc
      .record({
        method: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...endpoint.methods) },
          { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
        ),
        path: pathArb(endpoint, pool.ids),
        query: withDuplicates(1_500),
        // Raw non-ASCII bytes in the request line: Node's parser refuses them (400), so only rarely.
        invalidQueryByte: fc.oneof(
          { weight: 19, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8) },
        ),
        // What a real client sends (its credentials, cookies, origin, CSRF token), each often present.
        usual: fc.record({
          typed: fc.boolean(),
          authorization: fc.option(
            endpoint.path.includes('/admin')
              ? fc.oneof(fc.constant(pool.admin.authorization), fc.constantFrom(...pool.authorization))
              : fc.constantFrom(...pool.authorization),
            { freq: 2 },
          ),
          cookie: fc.option(
            endpoint.path.includes('/admin')
              ? fc.oneof(fc.constant(pool.admin.cookie), fc.constantFrom(...pool.cookies))
              : fc.constantFrom(...pool.cookies),
            { freq: 2 },
          ),
          origin: fc.option(fc.constantFrom(...pool.origins), { freq: 2 }),
          csrf: fc.option(fc.constantFrom(...pool.csrfHeaders), { freq: 2 }),
        }),
        headers: fc.array(headerArb(pool), { maxLength: 5 }),
        repeatHeader: fc.boolean(),
        body: fc.option(bodyArb(withDuplicates(60_000)), { freq: 3 }),
        chunked: fc.boolean(),
      })
      .map((r) => {
        const query = Buffer.from(encodeParams(r.query));
        const parts = [Buffer.from(r.path.path)];
        if (query.length || r.invalidQueryByte) parts.push(Buffer.from('?'), query);
        if (r.invalidQueryByte) parts.push(r.invalidQueryByte);
        const usual: [string, string][] = [];
        if (r.body && r.usual.typed) usual.push(['content-type', r.body[1]]);
        if (r.usual.authorization) usual.push(['authorization', r.usual.authorization]);
        if (r.usual.cookie) usual.push(['cookie', r.usual.cookie]);
        if (r.usual.origin) usual.push(['origin', r.usual.origin]);
        if (r.usual.csrf) usual.push(['x-csrf-token', r.usual.csrf]);
        const extra = r.repeatHeader && r.headers.length ? [...r.headers, r.headers[0]!] : r.headers;
        const headers = [...usual, ...extra];
        const request: RawRequest = { method: r.method, target: Buffer.concat(parts), headers };
        if (r.body) {
          request.body = r.body[0];
          request.chunked = r.chunked;
        }
        return { endpoint, exact: r.path.exact, request };
      }),
  );
}
