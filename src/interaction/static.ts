import type { Handler } from '../context.js';
import { html } from '../http/respond.js';
import { renderMessage } from '../pages/error.js';
import { STYLESHEET } from '../pages/styles.js';

/** Where a sign-in that was not part of an authorization request (nor the dashboard's) ends. */
export const handleSignedIn: Handler = async (ctx) =>
  html(
    renderMessage({
      basePath: ctx.config.issuerPath,
      title: 'Signed in',
      message: 'You are signed in. You can close this window.',
    }),
  );

/** The hosted pages' one stylesheet (a file, so the pages' CSP needs no inline styles). */
export const handleStylesheet: Handler = async () =>
  new Response(STYLESHEET, {
    headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' },
  });
