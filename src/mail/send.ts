import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { MailContent } from './templates.js';

/** Hands one templated mail to the configured mailer; the link goes nowhere else. */
export async function sendMail(ctx: Context, to: string, content: MailContent, link: string): Promise<void> {
  const mailer = ctx.config.mailer;
  if (!mailer) throw new OAuthError('invalid_request', 'no mailer is configured (options.mailer)');
  await mailer({ to, subject: content.subject, text: content.text, html: content.html, link });
}
