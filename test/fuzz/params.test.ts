import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { hasControlCharacter } from '../../src/http/characters.js';
import { formParams, Params, queryParams, readBody } from '../../src/http/params.js';
import { isWellFormed, toWellFormed } from './support/strings.js';

/**
 * Form bodies and query strings (OAuth 2.1 §3.1, §3.2; RFC 6749 §3.1: "Request and response
 * parameters MUST NOT be included more than once"; parameters sent without a value are omitted):
 * whatever the bytes, parsing yields well-formed strings or an invalid_request OAuthError.
 */

const NAMES = ['client_id', 'scope', 'state', 'redirect_uri', 'grant_type', 'code'];
const pair = fc.tuple(fc.constantFrom(...NAMES), fc.oneof(fc.constant(''), fc.string({ maxLength: 12 })));

/** Percent-encoding of every byte, so any string (lone surrogates become U+FFFD) survives the trip. */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function form(body: Buffer | string, type = 'application/x-www-form-urlencoded'): Request {
  return new Request('http://127.0.0.1/token', {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

/** Runs `f`; an exception must be an OAuthError with one of `codes`; answers what it threw. */
async function outcome<T>(f: () => Promise<T> | T, codes: string[]): Promise<T | OAuthError> {
  try {
    return await f();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(OAuthError);
    expect(codes).toContain((error as OAuthError).error);
    return error as OAuthError;
  }
}

describe('form and query parameters', () => {
  it('a parameter repeated with a value is refused, one value is returned, an empty one is omitted', () => {
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 10 }), (pairs) => {
        const params = new Params(new URLSearchParams(pairs));
        for (const name of NAMES) {
          const values = pairs.filter(([n, v]) => n === name && v !== '').map(([, v]) => v);
          if (values.length > 1) {
            expect(() => params.get(name)).toThrow(/must not be repeated/);
            expect(params.repeated()).toContain(name);
          } else {
            expect(params.get(name)).toBe(values[0]);
            expect(params.repeated()).not.toContain(name);
          }
          expect(params.all(name)).toEqual(values);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('any form body of any bytes parses to well-formed strings or is refused with invalid_request', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc
        .array(
          fc.oneof(
            fc.constantFrom('%', '%z', '%zz', '%C0%AF', '%ED%A0%80', '%FF', '&', '=', '+'),
            fc.string(),
          ),
          {
            maxLength: 20,
          },
        )
        .map((parts) => Buffer.from(parts.join(''))),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (body) => {
        const result = await outcome(() => formParams(form(body)), ['invalid_request']);
        if (result instanceof OAuthError) return;
        for (const [key, value] of result.entries()) {
          // Invalid UTF-8 and invalid percent-escapes never yield lone surrogates downstream.
          expect(isWellFormed(key) && isWellFormed(value)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('every value round-trips through percent-encoding, invalid escapes are kept literally, control characters are refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), async (value) => {
        if (hasControlCharacter(value)) {
          const refused = await outcome(() => formParams(form(`state=${pct(value)}`)), ['invalid_request']);
          expect(refused).toBeInstanceOf(OAuthError);
          return;
        }
        const parsed = await formParams(form(`state=${pct(value)}`));
        expect(parsed.get('state')).toBe(value === '' ? undefined : toWellFormed(value));
        const literal = await formParams(form(`state=%zz${pct(value)}%`));
        expect(literal.get('state')).toBe(`%zz${toWellFormed(value)}%`);
      }),
      { numRuns: 500 },
    );
  });

  it('a body of any other content type is refused with invalid_request before it is read', async () => {
    const type = fc.oneof(
      fc.constantFrom(
        'application/json',
        'text/plain',
        'multipart/form-data; boundary=x',
        '',
        'application/x-www-form',
      ),
      fc.string({ maxLength: 30 }).filter((s) => !/^\s*application\/x-www-form-urlencoded\s*(;|$)/i.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(type, async (t) => {
        let request: Request;
        try {
          request = form('a=1', t);
        } catch {
          return; // not a header value fetch accepts; no server sees it either
        }
        const result = await outcome(() => formParams(request), ['invalid_request']);
        expect(result).toBeInstanceOf(OAuthError);
      }),
      { numRuns: 300 },
    );
  });

  it('a body over the limit is refused with 413, whether its length is declared or streamed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 4096 }),
        async (limit, size) => {
          const body = Buffer.alloc(size, 0x61);
          const chunked = new Request('http://127.0.0.1/', {
            method: 'POST',
            body: new ReadableStream({
              start(c) {
                c.enqueue(body);
                c.close();
              },
            }),
            duplex: 'half',
          } as RequestInit);
          const declared = new Request('http://127.0.0.1/', {
            method: 'POST',
            headers: { 'content-length': String(size) },
            body,
          });
          for (const request of [chunked, declared]) {
            const result = await outcome(() => readBody(request, limit), ['invalid_request']);
            if (size > limit) expect((result as OAuthError).status).toBe(413);
            else expect(result).toBe(body.toString());
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any query string parses without throwing anything but invalid_request', () => {
    const query = fc.array(fc.oneof(fc.string(), fc.constantFrom('%', '%zz', '&', '=', '%00', '%ED%A0%80')), {
      maxLength: 30,
    });
    fc.assert(
      fc.property(query, (parts) => {
        let url: URL;
        try {
          url = new URL(`http://127.0.0.1/authorize?${parts.join('')}`);
        } catch {
          return;
        }
        try {
          const params = queryParams(url);
          for (const [k, v] of params.entries()) expect(isWellFormed(k) && isWellFormed(v)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(OAuthError);
          expect((error as OAuthError).error).toBe('invalid_request');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
