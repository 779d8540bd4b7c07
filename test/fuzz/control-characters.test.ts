import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import {
  characterRuleOf,
  checkFieldCharacters,
  checkPathCharacters,
  codePoint,
  hasControlCharacter,
  refusedCharacter,
  replaceControlCharacters,
} from '../../src/http/characters.js';
import { assertJsonFieldLengths, boundedUserAgent } from '../../src/http/limits.js';
import { Params } from '../../src/http/params.js';
import { checkClientIdUrl } from '../../src/lanes/cimd/url.js';
import { toWellFormed } from './support/strings.js';

/**
 * The control-character rule (src/http/characters.ts), checked against an oracle written from the
 * Unicode definition, not from the implementation: C0 is U+0000–U+001F, DEL is U+007F, C1 is
 * U+0080–U+009F. Any value holding one is refused wherever request input is parsed (parameters, JSON
 * names and values at any depth, path segments); any value without one is accepted unchanged.
 */

const isControl = (c: string) => {
  const cp = c.codePointAt(0)!;
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
};
const holdsControl = (s: string) => [...s].some(isControl);

/** Every control character, each as likely as the next. */
const control = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
  .map((cp) => String.fromCodePoint(cp));
/** Any text, controls included: ASCII, any code point (lone surrogates too), graphemes. */
const anyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);
/** Text with a control character somewhere in it. */
const withControl = fc.tuple(anyText, control, anyText).map(([a, c, b]) => ({ value: a + c + b, c }));
/** Text without one (controls removed from any text, so the rest of Unicode is still drawn). */
const withoutControl = anyText.map((s) => [...s].filter((c) => !isControl(c)).join(''));
/** Field names of every rule, and names no table lists. */
const fieldName = fc.constantFrom(
  'state',
  'client_id',
  'email',
  'scope',
  'x_unknown',
  'client_name',
  'reason',
);

const refusal = (f: () => unknown): OAuthError | undefined => {
  try {
    f();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
};

describe('the control-character rule (properties)', () => {
  it('agrees with the oracle on any text: a value with a control character is refused, naming its code point', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        expect(hasControlCharacter(value)).toBe(holdsControl(value));
        const refused = refusedCharacter(value);
        if (refused === undefined) return;
        expect(isControl(refused)).toBe(true);
        expect(value).toContain(refused);
      }),
      { numRuns: 2000 },
    );
  });

  it('any parameter with a control character in its value or its name is refused with invalid_request', () => {
    fc.assert(
      fc.property(fieldName, withControl, fc.boolean(), (name, { value, c }, inName) => {
        const pair: [string, string] = inName ? [`${name}${c}`, 'v'] : [name, value];
        const error = refusal(() => new Params(new URLSearchParams([pair])));
        expect(error?.error).toBe('invalid_request');
        expect(error?.description).toContain('control character');
        expect(error?.description).toContain(codePoint(inName ? c : refusedCharacter(value)!));
      }),
      { numRuns: 1000 },
    );
  });

  it('any parameter without one is accepted and read back unchanged', () => {
    fc.assert(
      fc.property(fieldName, withoutControl, (name, raw) => {
        const value = toWellFormed(raw.slice(0, 200));
        expect(checkFieldCharacters(name, value)).toBeUndefined();
        const params = new Params(new URLSearchParams([[name, value]]));
        expect(params.get(name)).toBe(value === '' ? undefined : value);
      }),
      { numRuns: 1000 },
    );
  });

  it('a JSON body is refused for a control character in any member name or string value at any depth, and accepted unchanged without one', () => {
    const leaf = fc.oneof(withoutControl, fc.integer(), fc.boolean(), fc.constant(null));
    const json = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(
          withoutControl.map((k) => k.slice(0, 20)),
          tie('node'),
          { maxKeys: 3 },
        ),
      ),
    })).node;
    const bodies = fc.tuple(json, fc.array(fc.constantFrom('a', 'b', 0), { maxLength: 5 }));
    fc.assert(
      fc.property(bodies, withControl, fc.boolean(), ([clean, path], { value, c }, inName) => {
        const copy = structuredClone(clean);
        expect(refusal(() => assertJsonFieldLengths({ body: clean }))).toBeUndefined();
        expect(clean).toEqual(copy);
        // Plant the control character at the end of a random path, as a member name or a value.
        let dirty: unknown = inName ? { [`k${c}`]: 1 } : value;
        for (const step of [...path].reverse()) dirty = step === 0 ? [dirty] : { [step]: dirty };
        const error = refusal(() => assertJsonFieldLengths({ body: dirty }));
        expect(error?.error).toBe('invalid_request');
        expect(error?.description).toMatch(/control character \(U\+00[0-9A-F]{2}\)/);
      }),
      { numRuns: 1000 },
    );
  });

  it('a path segment that percent-decodes to a control character is refused; an encoded clean segment is not', () => {
    fc.assert(
      fc.property(withControl, withoutControl, (dirty, clean) => {
        const encode = (s: string) => encodeURIComponent(toWellFormed(s));
        expect(checkPathCharacters(`/admin/api/clients/${encode(dirty.value)}`)).toContain(
          'control character',
        );
        expect(checkPathCharacters(`/admin/api/clients/${encode(clean)}/disable`)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('a path without percent signs (checked whole, without splitting) is refused exactly when it holds a control character, naming the first', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 5 }), (segments) => {
        const path = `/${segments.join('/')}`.replaceAll('%', '');
        const first = [...path].find(isControl);
        const problem = checkPathCharacters(path);
        if (first === undefined) expect(problem).toBeUndefined();
        else
          expect(problem).toContain(
            `control character (U+${first.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`,
          );
      }),
      { numRuns: 2000 },
    );
  });

  it('a CIMD client_id URL whose path decodes to a control character is refused before anything is fetched', () => {
    fc.assert(
      fc.property(control, (c) => {
        const id = `https://tool.example.com/client${encodeURIComponent(c)}.json`;
        expect(checkClientIdUrl(id, { allowLoopback: false })).toMatchObject({ ok: false });
      }),
    );
  });

  it('the multi-line field takes tab, LF and CR; the secret field refuses NUL only; every other field refuses every control', () => {
    fc.assert(
      fc.property(withControl, ({ value, c }) => {
        const cp = c.codePointAt(0)!;
        const lineBreakOrTab = cp === 0x09 || cp === 0x0a || cp === 0x0d;
        const only = `a${c}b`;
        expect(characterRuleOf('redirect_uris')).toBe('multi-line');
        expect(checkFieldCharacters('redirect_uris', only) === undefined).toBe(lineBreakOrTab);
        expect(characterRuleOf('password')).toBe('secret');
        expect(checkFieldCharacters('password', only) === undefined).toBe(cp !== 0);
        expect(checkFieldCharacters('password', value) === undefined).toBe(!value.includes('\u0000'));
        // A JSON array of redirect URIs is checked item by item as single-line `redirect_uri`.
        expect(refusal(() => assertJsonFieldLengths({ redirect_uris: [only] }))).toBeInstanceOf(OAuthError);
        expect(checkFieldCharacters('state', only)).toContain(codePoint(c));
      }),
      { numRuns: 500 },
    );
  });

  it('a kept value (the User-Agent) has every control character replaced, and is unchanged without one', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const replaced = replaceControlCharacters(value);
        expect(hasControlCharacter(replaced)).toBe(false);
        expect(replaced.length).toBe(value.length);
        if (!holdsControl(value)) expect(replaced).toBe(value);
        const headers = new Headers();
        const header = value.replace(/[\0\r\n]/g, '').trim();
        try {
          headers.set('user-agent', header);
        } catch {
          return; // not a header value fetch accepts
        }
        const kept = boundedUserAgent(headers);
        if (kept !== null) expect(hasControlCharacter(kept)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
