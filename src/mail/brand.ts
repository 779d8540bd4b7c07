import type { Context } from '../context.js';

/** What a mail says about who sent it: the product name, in the subject, the greeting and the footer. */
export interface MailBrand {
  name: string;
}

/**
 * The one place mails read the product's name from: the configured branding's name when there is one
 * (`branding.name`), else the issuer's host, so a mail never says "Gatehouse" on someone else's product.
 */
export function mailBrand(ctx: Context): MailBrand {
  const branding = (ctx.config as { branding?: { name?: unknown } }).branding;
  const name = typeof branding?.name === 'string' && branding.name.trim() ? branding.name.trim() : undefined;
  return { name: name ?? new URL(ctx.config.issuer).host };
}
