import type { Context } from '../context.js';

/** What a mail says about who sent it: the product name, in the subject, the body and the signature. */
export interface MailBrand {
  name: string;
}

function named(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/**
 * The one place mails read the product's name from: the branding in force (`branding.name`, as the
 * dashboard may have edited it: src/branding/registry.ts), else the issuer's host, so a mail never
 * says "Gatehouse" on someone else's product.
 */
export function mailBrand(ctx: Context): MailBrand {
  const inForce = (ctx as Partial<Pick<Context, 'branding'>>).branding?.snapshot().fields as
    | { name?: unknown }
    | undefined;
  const configured = (ctx.config as { branding?: { name?: unknown } }).branding;
  return { name: named(inForce?.name) ?? named(configured?.name) ?? new URL(ctx.config.issuer).host };
}
