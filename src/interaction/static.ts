import type { Handler } from '../context.js';
import { html } from '../http/respond.js';
import { renderMessage } from '../pages/error.js';
import { pageFrame } from './pages-common.js';

/** Where a sign-in that was not part of an authorization request (nor the dashboard's) ends. */
export const handleSignedIn: Handler = async (ctx) =>
  html(
    renderMessage({
      basePath: ctx.config.issuerPath,
      frame: pageFrame(ctx),
      title: 'Signed in',
      message: 'You are signed in. You can close this window.',
    }),
  );
