/**
 * The placeholder language of replaced page templates (`branding.templates`). A template is an HTML
 * document with `{{name}}` placeholders, and every substitution is safe by construction:
 *
 * - a placeholder may only stand where HTML text goes — never inside a tag (an attribute, where an
 *   unquoted value could add attributes), a comment, or the raw-text elements script, style, textarea
 *   and title — so HTML-escaping (layout.ts escapeHtml) is always the right escaping for it;
 * - value placeholders (`{{title}}`, `{{product_name}}`, `{{error}}`, `{{client_name}}`) are always
 *   escaped; block placeholders (`{{head}}`, `{{form}}`, `{{logo}}`) are HTML that Gatehouse renders:
 *   `{{form}}` is the page's own content, CSRF field, form action and anti-phishing facts included, so a
 *   template cannot leave them out; `{{head}}` carries the charset, the referrer policy, the title and
 *   the stylesheet;
 * - a template must contain `{{head}}` and `{{form}}` (checked at start-up) and no `<script>` (the
 *   pages' CSP would refuse it anyway).
 */
import { escapeHtml, type Html } from '../pages/layout.js';

export const VALUE_PLACEHOLDERS = ['title', 'product_name', 'error', 'client_name'] as const;
export const BLOCK_PLACEHOLDERS = ['head', 'form', 'logo'] as const;
export const REQUIRED_PLACEHOLDERS = ['head', 'form'] as const;

export type ValueName = (typeof VALUE_PLACEHOLDERS)[number];
export type BlockName = (typeof BLOCK_PLACEHOLDERS)[number];

type Segment = { text: string } | { value: ValueName } | { block: BlockName };

/** A parsed template: literal HTML and placeholders, in order. */
export interface CompiledTemplate {
  readonly segments: readonly Segment[];
}

export class TemplateError extends Error {}

/** Elements whose content is not HTML text (raw text and escapable raw text, HTML §13.1.2). */
const RAW_ELEMENTS = new Set([
  'script',
  'style',
  'textarea',
  'title',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'noscript',
  'plaintext',
]);
const PLACEHOLDER = /^\{\{\s*([a-z_]+)\s*\}\}/;

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

function fail(source: string, index: number, message: string): never {
  throw new TemplateError(`line ${lineOf(source, index)}: ${message}`);
}

/** End of the tag that starts at `start` (the index after its `>`), skipping quoted attribute values. */
function tagEnd(source: string, start: number): number {
  let quote: string | undefined;
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return fail(source, start, 'a tag is not closed with ">"');
}

/** Refuses a placeholder anywhere inside `source[from, to)` (a tag, a comment, raw text). */
function assertNoPlaceholder(source: string, from: number, to: number, where: string): void {
  const at = source.indexOf('{{', from);
  if (at !== -1 && at < to) fail(source, at, `a placeholder cannot stand inside ${where}; put it in text`);
}

function placeholder(source: string, at: number): { segment: Segment; end: number } {
  const match = PLACEHOLDER.exec(source.slice(at, at + 40));
  const name = match?.[1];
  if (!match || !name) fail(source, at, '"{{" must start a placeholder such as {{form}}');
  if ((VALUE_PLACEHOLDERS as readonly string[]).includes(name))
    return { segment: { value: name as ValueName }, end: at + match[0].length };
  if ((BLOCK_PLACEHOLDERS as readonly string[]).includes(name))
    return { segment: { block: name as BlockName }, end: at + match[0].length };
  const known = [...BLOCK_PLACEHOLDERS, ...VALUE_PLACEHOLDERS].map((n) => `{{${n}}}`).join(', ');
  return fail(source, at, `unknown placeholder {{${name}}}; known: ${known}`);
}

/** Skips a markup construct starting at `<` (tag, comment, raw-text element); returns where text resumes. */
function skipMarkup(source: string, at: number): number {
  if (source.startsWith('<!--', at)) {
    const close = source.indexOf('-->', at + 4);
    if (close === -1) fail(source, at, 'a comment is not closed with "-->"');
    assertNoPlaceholder(source, at, close, 'a comment');
    return close + 3;
  }
  const end = tagEnd(source, at);
  assertNoPlaceholder(source, at, end, 'a tag');
  const name = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(source.slice(at, at + 40))?.[1]?.toLowerCase();
  if (name === 'script') fail(source, at, 'templates cannot contain <script> (the pages allow no scripts)');
  if (!name || !RAW_ELEMENTS.has(name)) return end;
  const close = source.toLowerCase().indexOf(`</${name}`, end);
  if (close === -1) fail(source, at, `<${name}> is not closed`);
  assertNoPlaceholder(source, end, close, `<${name}>`);
  return close;
}

/** Parses a template; throws TemplateError naming the line and what to change. */
export function parseTemplate(source: string): CompiledTemplate {
  const segments: Segment[] = [];
  let text = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '<' && /[a-zA-Z!/?]/.test(source[i + 1] ?? '')) {
      const resume = skipMarkup(source, i);
      text += source.slice(i, resume);
      i = resume;
    } else if (c === '{' && source[i + 1] === '{') {
      const { segment, end } = placeholder(source, i);
      if (text) segments.push({ text });
      text = '';
      segments.push(segment);
      i = end;
    } else {
      text += c;
      i++;
    }
  }
  if (text) segments.push({ text });
  const present = new Set(segments.flatMap((s) => ('block' in s ? [s.block] : [])));
  const missing = REQUIRED_PLACEHOLDERS.filter((n) => !present.has(n));
  if (missing.length)
    throw new TemplateError(
      `add ${missing.map((n) => `{{${n}}}`).join(' and ')} (required in every template)`,
    );
  return { segments };
}

/** Fills a template: values are HTML-escaped, blocks are Gatehouse's own HTML. */
export function renderTemplate(
  template: CompiledTemplate,
  values: Partial<Record<ValueName, string>>,
  blocks: Record<BlockName, Html>,
): string {
  return template.segments
    .map((s) => {
      if ('text' in s) return s.text;
      if ('value' in s) return escapeHtml(values[s.value] ?? '');
      return blocks[s.block].value;
    })
    .join('');
}
