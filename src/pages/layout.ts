/**
 * Server-rendered pages. Every page is a function of a view model: pages never touch the store.
 * Everything interpolated goes through `escapeHtml`; nothing is loaded from a third party
 * (RFC 9700 §4.2.4), and the one stylesheet is served from Gatehouse's own origin.
 */

import type { TemplatePage } from '../branding/schema.js';
import type { PageFrame } from './branding.js';

/**
 * Characters no page ever carries, whatever it shows (a name, an audit record's user agent, an error
 * description): text-direction controls, which can make any text render as any other (Unicode TR #36
 * §2.1), and C0/C1 control characters other than tab and line breaks.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const NEVER_SHOWN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\p{Bidi_Control}]/gu;

export function escapeHtml(value: string): string {
  return value
    .replace(NEVER_SHOWN, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Tagged template that escapes every interpolation unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = string | number | Html | undefined | null | false | Part[];

function render(part: Part): string {
  if (part === undefined || part === null || part === false) return '';
  if (Array.isArray(part)) return part.map(render).join('');
  if (part instanceof Html) return part.value;
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((part, i) => {
    out += render(part) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** What every hosted page's view model carries from its handler. */
export interface PageModel {
  /** Path prefix of the issuer, for the stylesheet URL. */
  basePath: string;
  /** The document around the page: the branding in force when the handler rendered it (./branding.ts). */
  frame: PageFrame;
}

export interface LayoutModel extends PageModel {
  title: string;
  /** Which replaceable template renders this page (branding.templates); any other page uses `default`. */
  page?: TemplatePage;
  /** Values a replaced template may show, HTML-escaped (src/branding/template.ts). */
  values?: { error?: string; client_name?: string };
}

/**
 * The document around every page, hosted and dashboard: no referrer (URLs carry codes and reset
 * tokens), no favicon request, one stylesheet file (the CSP allows no inline styles).
 */
export function documentPage(title: string, stylesheet: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${stylesheet}">
</head>
<body>
${body}
</body>
</html>`.value;
}

/** Every hosted page's document, in the frame its handler gave it. */
export function layout(model: LayoutModel, body: Html): string {
  return model.frame.document(model, body);
}

/** What every pre-session form page receives (interaction/pages-common.ts formPage). */
export interface FormModel extends PageModel {
  action: string;
  csrf: string;
  interaction?: string;
  email?: string;
  error?: string;
}

/** Hidden form fields. */
export function hidden(fields: Record<string, string | undefined>): Html {
  return new Html(
    Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v!)}">`)
      .join(''),
  );
}

/** The id of the form-level error message; fields point at it with aria-describedby while it is shown. */
export const FORM_ERROR_ID = 'form-error';

export function errorList(message: string | undefined): Html {
  return message ? html`<p id="${FORM_ERROR_ID}" class="alert" role="alert">${message}</p>` : html``;
}

/** aria-invalid and aria-describedby for a field when the form came back with an error. */
export function invalidWhen(message: string | undefined, ...describedBy: string[]): Html {
  const ids = message ? [FORM_ERROR_ID, ...describedBy] : describedBy;
  return html`${message ? html` aria-invalid="true"` : ''}${ids.length ? html` aria-describedby="${ids.join(' ')}"` : ''}`;
}
