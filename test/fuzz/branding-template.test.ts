/**
 * The branding template language (src/branding/template.ts): whatever a template author writes and
 * whatever a value holds, a value never becomes markup, a placeholder only ever stands in HTML text, and
 * the parser answers every input with a template or a TemplateError (never another exception).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_PLACEHOLDERS,
  parseTemplate,
  renderTemplate,
  TemplateError,
  VALUE_PLACEHOLDERS,
} from '../../src/branding/template.js';
import { escapeHtml, Html } from '../../src/pages/layout.js';

/** Literal markup a template author might write between placeholders (text positions only). */
const literal = fc.oneof(
  fc.constantFrom(
    '<p>',
    '</p>',
    '<div class="x">',
    '</div>',
    '<!-- note -->',
    '<br>',
    '<a href="/x">',
    '</a>',
    'Welcome ',
    '&amp;',
    '<style>p{}</style>',
  ),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[<>{}&]/g, '')),
);
const valueName = fc.constantFrom(...VALUE_PLACEHOLDERS);
const piece = fc.oneof(
  literal,
  valueName.map((n) => `{{${n}}}`),
  fc.constantFrom('{{logo}}'),
);
const template = fc
  .array(piece, { maxLength: 12 })
  .map((parts) => `<!doctype html><html><head>{{head}}</head><body>${parts.join('')}{{form}}</body></html>`);

/** Any value, markup and quotes included. */
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "'",
    '{{form}}',
    '</title><script>',
    '&lt;',
  ),
);
const values = fc.record(
  Object.fromEntries(VALUE_PLACEHOLDERS.map((n) => [n, value])) as Record<string, fc.Arbitrary<string>>,
);

const BLOCKS = {
  head: new Html('<meta charset="utf-8">'),
  form: new Html('<form method="post"></form>'),
  logo: new Html('<img alt="">'),
};
const markupCount = (s: string) => (s.match(/</g) ?? []).length;

describe('branding templates (src/branding/template.ts)', () => {
  it("a value never adds markup: the output has exactly the template's and the blocks' tags", () => {
    fc.assert(
      fc.property(template, values, (source, vals) => {
        const compiled = parseTemplate(source);
        const empty = renderTemplate(compiled, {}, BLOCKS);
        const filled = renderTemplate(compiled, vals, BLOCKS);
        expect(markupCount(filled)).toBe(markupCount(empty));
        expect((filled.match(/"/g) ?? []).length).toBe((empty.match(/"/g) ?? []).length);
        for (const s of compiled.segments)
          if ('value' in s) expect(filled).toContain(escapeHtml(vals[s.value] ?? ''));
      }),
    );
  });

  it('refuses a placeholder inside a tag, a comment, or a raw-text element, wherever it is put', () => {
    const name = fc.constantFrom(...VALUE_PLACEHOLDERS, ...BLOCK_PLACEHOLDERS);
    const wrapper = fc.constantFrom(
      (p: string) => `<a href="${p}">x</a>`,
      (p: string) => `<a href=${p}>x</a>`,
      (p: string) => `<div ${p}>`,
      (p: string) => `<!-- ${p} -->`,
      (p: string) => `<style>.a{content:"${p}"}</style>`,
      (p: string) => `<title>${p}</title>`,
      (p: string) => `<textarea>${p}</textarea>`,
      (p: string) => `<img alt='${p}'>`,
    );
    fc.assert(
      fc.property(name, wrapper, (n, wrap) => {
        const source = `{{head}}{{form}}${wrap(`{{${n}}}`)}`;
        expect(() => parseTemplate(source)).toThrow(TemplateError);
      }),
    );
  });

  it('answers any input with a template or a TemplateError, never another exception', () => {
    const chars = fc.constantFrom(
      '<',
      '>',
      '{',
      '}',
      '"',
      "'",
      '!',
      '-',
      '/',
      'a',
      's',
      'c',
      'r',
      'i',
      'p',
      't',
      ' ',
      '\n',
      '=',
    );
    const noise = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(chars, { maxLength: 200 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(noise, noise, (a, b) => {
        for (const source of [a, `{{head}}${a}{{form}}${b}`]) {
          try {
            parseTemplate(source);
          } catch (error) {
            expect(error).toBeInstanceOf(TemplateError);
          }
        }
      }),
    );
  });
});

describe('branding templates: what the start-up check says', () => {
  it('names the missing required placeholders', () => {
    expect(() => parseTemplate('<html><body>{{form}}</body></html>')).toThrow('add {{head}}');
    expect(() => parseTemplate('<html><head>{{head}}</head></html>')).toThrow('add {{form}}');
  });

  it('names an unknown placeholder and lists the known ones, with the line', () => {
    expect(() => parseTemplate('{{head}}\n{{form}}\n{{csrf}}')).toThrow(
      /line 3: unknown placeholder \{\{csrf\}\}; known: \{\{head\}\}/,
    );
  });

  it('refuses a <script> (the pages allow none)', () => {
    expect(() => parseTemplate('{{head}}{{form}}<script>1</script>')).toThrow('<script>');
  });
});
