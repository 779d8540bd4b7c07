import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { mailBrand } from '../../src/mail/brand.js';
import { passwordResetMail, verificationMail } from '../../src/mail/templates.js';
import { escapeHtml } from '../../src/pages/layout.js';

/**
 * Mail templates (src/mail/templates.ts): whatever the product name, the address or the link, the
 * HTML body carries them only escaped, and the plain-text body carries them as they are.
 */

const TAGS = new Set(['html', 'head', 'meta', 'title', 'body', 'p', 'a', 'br']);

/** The element names of an HTML body: only the template's own, never one from a value. */
function elements(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase());
}

const text = fc.string({ maxLength: 60 });
const hostile = fc.oneof(
  text,
  fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=1>', "' onmouseover='x", '&amp;<b>'),
);

describe('mail templates escape every value in the HTML body', () => {
  it('no value adds an element or breaks out of an attribute; the text body keeps it verbatim', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (name, email, link) => {
        for (const mail of [
          passwordResetMail({ name }, { email, link, minutes: 30, requester: 'possibly you' }),
          verificationMail({ name }, { email, link, minutes: 60 }),
        ]) {
          for (const tag of elements(mail.html)) expect(TAGS.has(tag)).toBe(true);
          expect(mail.html).toContain(`href="${escapeHtml(link)}"`);
          expect(mail.text).toContain(link);
          expect(mail.text).toContain(name);
          expect(mail.subject).toContain(name);
        }
      }),
    );
  });

  it('the product name is the branding name when configured, else the issuer host', () => {
    const ctx = (config: object) =>
      ({ config: { issuer: 'https://login.acme.example:8443', ...config } }) as unknown as Context;
    expect(mailBrand(ctx({}))).toEqual({ name: 'login.acme.example:8443' });
    expect(mailBrand(ctx({ branding: { name: 'Acme Cloud' } }))).toEqual({ name: 'Acme Cloud' });
    expect(mailBrand(ctx({ branding: { name: '   ' } }))).toEqual({ name: 'login.acme.example:8443' });
    const edited = {
      ...ctx({ branding: { name: 'Acme Cloud' } }),
      branding: { snapshot: () => ({ fields: { name: 'Acme' } }) },
    };
    expect(mailBrand(edited as unknown as Context)).toEqual({ name: 'Acme' });
  });
});
