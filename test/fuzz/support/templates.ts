import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';
import type { FuzzRequest } from './requests.js';
import { headerText, hostilePlain, hostileRaw, POISON, pct } from './values.js';

/**
 * Valid requests with one thing changed: a token request that would succeed but for one parameter, a
 * registration with one member replaced, an admin call with one filter poisoned. Random requests rarely
 * get past a handler's first check; these reach the code behind it.
 */
export interface Template {
  method: string;
  path: string;
  /** Query parameters (GET) or form / JSON members (otherwise), in order. */
  params: [string, string][];
  headers: [string, string][];
  /** The body is JSON (members from `params`) rather than a form. */
  json?: boolean;
  /** Members every JSON body carries (arrays and the like), before `params`. */
  base?: Record<string, unknown>;
}

const replacement = fc.oneof(
  hostilePlain(3_000).map((plain) => ({ plain })),
  hostileRaw.map((raw) => ({ raw })),
  fc.constantFrom(...POISON).map((plain) => ({ plain })),
);

type Value = { plain: string } | { raw: string } | { json: unknown };

/** One change to a template: a value replaced, spliced with poison, dropped, repeated; a header replaced. */
function mutate(
  template: Template,
): fc.Arbitrary<{ params: [string, Value][]; headers: [string, string | Buffer][] }> {
  const params: [string, Value][] = template.params.map(([k, v]) => [k, { plain: v }]);
  const n = Math.max(params.length, 1);
  return fc.oneof(
    fc.tuple(fc.nat(n - 1), replacement).map(([i, v]) => ({
      params: params.map((p, j): [string, Value] => (j === i ? [p[0], v] : p)),
      headers: template.headers,
    })),
    fc.tuple(fc.nat(n - 1), fc.constantFrom(...POISON), fc.nat()).map(([i, poison, at]) => ({
      params: params.map((p, j): [string, Value] => {
        if (j !== i || !('plain' in p[1])) return p;
        const v = p[1].plain;
        const cut = at % (v.length + 1);
        return [p[0], { plain: `${v.slice(0, cut)}${poison}${v.slice(cut)}` }];
      }),
      headers: template.headers,
    })),
    fc.nat(n - 1).map((i) => ({ params: params.filter((_, j) => j !== i), headers: template.headers })),
    fc.nat(n - 1).map((i) => ({ params: [...params, ...params.slice(i, i + 1)], headers: template.headers })),
    template.json
      ? fc.tuple(fc.nat(n - 1), fc.jsonValue({ maxDepth: 3 })).map(([i, json]) => ({
          params: params.map((p, j): [string, Value] => (j === i ? [p[0], { json }] : p)),
          headers: template.headers,
        }))
      : fc.constant({ params, headers: template.headers }),
    fc.tuple(fc.nat(Math.max(template.headers.length - 1, 0)), headerText).map(([i, junk]) => ({
      params,
      headers: template.headers.map(([k, v], j): [string, string | Buffer] => [k, j === i ? junk : v]),
    })),
  );
}

function encode(template: Template, params: [string, Value][]): { query: string; body?: Buffer } {
  const form = params
    .map(([k, v]) => `${pct(k)}=${'raw' in v ? v.raw : pct('plain' in v ? v.plain : JSON.stringify(v.json))}`)
    .join('&');
  if (template.method === 'GET') return { query: form };
  if (!template.json) return { query: '', body: Buffer.from(form) };
  const members = params.map(([k, v]) => [
    k,
    'json' in v ? v.json : 'plain' in v ? v.plain : decodeSafe(v.raw),
  ]);
  return {
    query: '',
    body: Buffer.from(JSON.stringify({ ...template.base, ...Object.fromEntries(members) })),
  };
}

function decodeSafe(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Requests made from `templates`, each aimed at its route's endpoint (`exact`, so coverage counts it). */
export function templateArb(templates: Template[]): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...templates).chain((template) =>
    mutate(template).map(({ params, headers }) => {
      const { query, body } = encode(template, params);
      const request: RawRequest = {
        method: template.method,
        target: query ? `${template.path}?${query}` : template.path,
        headers: [
          ...(body
            ? ([
                ['content-type', template.json ? 'application/json' : 'application/x-www-form-urlencoded'],
              ] as [string, string][])
            : []),
          ...headers,
        ],
      };
      if (body) request.body = body;
      return { endpoint: { path: template.path, methods: [template.method] }, exact: false, request };
    }),
  );
}
