import { html, layout } from './layout.js';

export interface ErrorModel {
  basePath: string;
  title: string;
  message: string;
  /** The OAuth error code, shown small for support requests. */
  code?: string;
  /** A way on from here on Gatehouse's own origin (e.g. signing in), shown as a link. */
  next?: { href: string; label: string };
}

/** An error shown to the user instead of redirecting (never to an unverified redirect URI). */
export function renderError(m: ErrorModel): string {
  return layout(
    { title: m.title, basePath: m.basePath },
    html`<h1 id="page-title">${m.title}</h1>
<p role="alert">${m.message}</p>
${m.code ? html`<p class="muted">Error code: <code>${m.code}</code></p>` : ''}
${m.next ? html`<p><a href="${m.next.href}">${m.next.label}</a></p>` : ''}
<p class="muted">You can close this window and return to the application.</p>`,
  );
}

export interface MessageModel {
  basePath: string;
  title: string;
  message: string;
}

export function renderMessage(m: MessageModel): string {
  return layout(
    { title: m.title, basePath: m.basePath },
    html`<h1 id="page-title">${m.title}</h1><p>${m.message}</p>`,
  );
}
