import type { ErrorExplanation } from '../errors.js';
import { type Html, html, layout, type PageModel } from './layout.js';

export interface ErrorModel extends PageModel {
  title: string;
  message: string;
  /** The OAuth error code, shown small for support requests. */
  code?: string;
  /** A way on from here on Gatehouse's own origin (e.g. signing in), shown as a link. */
  next?: { href: string; label: string };
  /** What was wrong and what to change, for the developer of the application (errors.ts). */
  explanation?: ErrorExplanation;
}

/** Values longer than this are cut on the page (a request URL may carry a long one). */
const SHOWN_VALUE_MAX = 300;

function shown(value: string): string {
  return value.length > SHOWN_VALUE_MAX ? `${value.slice(0, SHOWN_VALUE_MAX)}…` : value;
}

function explanation(e: ErrorExplanation): Html {
  return html`<dl class="explanation">${e.facts.map(
    (f) =>
      html`<dt>${f.label}</dt><dd>${
        f.values.length === 1
          ? html`<code>${shown(f.values[0]!)}</code>`
          : html`<ul class="values">${f.values.map((v) => html`<li><code>${shown(v)}</code></li>`)}</ul>`
      }</dd>`,
  )}</dl>
${e.fix ? html`<p id="error-fix">${e.fix}</p>` : ''}`;
}

/** An error shown to the user instead of redirecting (never to an unverified redirect URI). */
export function renderError(m: ErrorModel): string {
  return layout(
    { title: m.title, basePath: m.basePath, frame: m.frame, page: 'error', values: { error: m.message } },
    html`<h1 id="page-title">${m.title}</h1>
<p role="alert">${m.message}</p>
${m.explanation ? explanation(m.explanation) : ''}
${m.code ? html`<p class="muted">Error code: <code>${m.code}</code></p>` : ''}
${m.next ? html`<p><a href="${m.next.href}">${m.next.label}</a></p>` : ''}
<p class="muted">You can close this window and return to the application.</p>`,
  );
}

export interface MessageModel extends PageModel {
  title: string;
  message: string;
}

export function renderMessage(m: MessageModel): string {
  return layout(
    { title: m.title, basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">${m.title}</h1><p>${m.message}</p>`,
  );
}
