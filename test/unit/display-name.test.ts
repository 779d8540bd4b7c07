import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayNameProblem, hasInvisibleCharacters, sanitiseDisplayName } from '../../src/display-name.js';
import { cleanClientName } from '../../src/lanes/public-client.js';

/** Every character class that must never reach a page inside a name. */
const FORBIDDEN =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\p{Bidi_Control}]/u;

const hostile = [
  ...'\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c',
  ...'\u0000\u0007\u001b\u007f\u0080\u0085\u009b\u009f\u00ad\u034f\u2028\u2029\u2060\u2064\ufeff',
  ...'\u180e\u3164\uffa0\ufff9',
  '\ud800', // lone surrogates (spread would pair them)
  '\udfff',
  String.fromCodePoint(0xe0041),
  String.fromCodePoint(0x1d173),
];

/** Strings mixing ordinary text with every hostile class, so the properties meet them often. */
const names = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...hostile),
        fc.string({ maxLength: 4 }),
        fc.constantFrom('\u0301', ' ', '\t', 'Ａ', '𝐀'),
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join('')),
);

describe('display names (sanitised where shown, refused where they enter)', () => {
  it('never contains a control, format, bidi, separator, default-ignorable or surrogate character', () => {
    fc.assert(
      fc.property(names, (name) => {
        expect(FORBIDDEN.test(sanitiseDisplayName(name))).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent: sanitising a sanitised name changes nothing', () => {
    fc.assert(
      fc.property(names, fc.integer({ min: 1, max: 60 }), (name, max) => {
        const once = sanitiseDisplayName(name, max);
        expect(sanitiseDisplayName(once, max)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps at most the given number of UTF-16 units, never half a surrogate pair, trimmed, with single spaces', () => {
    fc.assert(
      fc.property(names, fc.integer({ min: 1, max: 60 }), (name, max) => {
        const out = sanitiseDisplayName(name, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/\p{Cs}/u);
        expect(out).toBe(out.trim());
        expect(out).not.toMatch(/\s\s/u);
      }),
    );
  });

  it('removes invisible characters that would make two names look alike', () => {
    expect(sanitiseDisplayName('Go\u200bo\u200dgle\ufeff')).toBe('Google');
    expect(sanitiseDisplayName('  Acme\u2028Tools \t\n')).toBe('Acme Tools');
  });

  it('folds mathematical and full-width look-alike letters to plain ones (NFKC)', () => {
    expect(sanitiseDisplayName('𝐆𝐢𝐭𝐇𝐮𝐛')).toBe('GitHub');
    expect(sanitiseDisplayName('ＡＣＭＥ')).toBe('ACME');
  });

  it('caps runs of combining marks so a name cannot draw over the page', () => {
    const zalgo = `a${'\u0301\u0300\u0302'.repeat(20)}b`;
    expect(Array.from(sanitiseDisplayName(zalgo)).length).toBeLessThanOrEqual(6);
  });

  it('keeps ordinary names in any script unchanged', () => {
    for (const name of [
      'Claude Code',
      'Visual Studio Code',
      'Zürich Wetter',
      'مرحبا',
      'שלום עולם',
      '東京',
      'Tiếng Việt',
      'हिन्दी',
    ])
      expect(sanitiseDisplayName(name)).toBe(name.normalize('NFKC'));
  });

  it.each([
    ['U+202E right-to-left override', 'Acme\u202Eelgoog'],
    ['U+2066 left-to-right isolate', 'Acme\u2066x\u2069'],
    ['U+200F right-to-left mark', 'Acme\u200F'],
    ['U+061C Arabic letter mark', 'Acme\u061C'],
    ['U+0085 C1 next line', 'Acme\u0085'],
    ['U+009B C1 control sequence introducer', 'Acme\u009b31m'],
  ])('is refused where it enters when it contains a %s', (_label, name) => {
    expect(displayNameProblem(name)).toMatch(/text-direction or C1 control/);
    expect(cleanClientName(name).ok).toBe(false);
  });

  it('is accepted where it enters when its only oddities are strippable', () => {
    expect(displayNameProblem('Acme\u200b Tools ⚡\ufe0f')).toBeUndefined();
    expect(cleanClientName('Acme\u200b Tools ⚡\ufe0f')).toEqual({ ok: true, name: 'Acme Tools ⚡' });
  });

  it('flags an identifier that holds anything the sanitiser would strip or refuse', () => {
    fc.assert(
      fc.property(names, (value) => {
        const clean = sanitiseDisplayName(value, 1000);
        expect(hasInvisibleCharacters(clean)).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(...hostile), fc.nat(), (value, bad, at) => {
        const i = at % (value.length + 1);
        expect(hasInvisibleCharacters(value.slice(0, i) + bad + value.slice(i))).toBe(true);
      }),
    );
    expect(hasInvisibleCharacters('ada@example.com')).toBe(false);
    expect(hasInvisibleCharacters('ada\u202E@example.com')).toBe(true);
  });
});
