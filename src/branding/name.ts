import type { Context } from '../context.js';

/**
 * The product name in force now: the dashboard's edit when there is one, else `branding.name` from the
 * configuration; undefined when neither names one. The one function anything outside the pages (mails,
 * for one) should read it from, so a dashboard edit reaches them too.
 */
export function productName(ctx: Pick<Context, 'branding'>): string | undefined {
  return ctx.branding.snapshot().fields.name;
}
