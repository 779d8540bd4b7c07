import { type Html, html } from '../pages/layout.js';
import type { MailBrand } from './brand.js';

/**
 * Every mail Gatehouse sends, as a plain-text and an HTML body made from the same words. The HTML body
 * escapes every interpolated value (the e-mail address, the product name, the link) with the pages'
 * escaping (src/pages/layout.ts), has no remote images, scripts or style sheets, and shows the link
 * both as a button and as text, so it survives mail clients that strip either.
 */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

interface Letter {
  brand: MailBrand;
  subject: string;
  /** Paragraphs before the link. */
  intro: string[];
  action: string;
  link: string;
  /** Paragraphs after the link. */
  outro: string[];
}

function textBody(l: Letter): string {
  return [...l.intro, `${l.action}: ${l.link}`, ...l.outro, `— ${l.brand.name}`].join('\n\n');
}

function htmlBody(l: Letter): string {
  const p = (t: string): Html => html`<p>${t}</p>`;
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${l.subject}</title></head>
<body>
${l.intro.map(p)}
<p><a href="${l.link}">${l.action}</a></p>
<p>If the button does not work, copy this address into your browser:<br>${l.link}</p>
${l.outro.map(p)}
<p>— ${l.brand.name}</p>
</body>
</html>`.value;
}

function letter(l: Letter): MailContent {
  return { subject: l.subject, text: textBody(l), html: htmlBody(l) };
}

/** The link to choose a new password (src/operations/password-reset.ts). */
export function passwordResetMail(
  brand: MailBrand,
  m: { email: string; link: string; minutes: number; requester: string },
): MailContent {
  return letter({
    brand,
    subject: `Reset your ${brand.name} password`,
    intro: [`Someone (${m.requester}) asked to reset the password of ${m.email} on ${brand.name}.`],
    action: `Choose a new password within ${m.minutes} minutes`,
    link: m.link,
    outro: ['If you did not expect this, ignore this message: your password stays as it is.'],
  });
}

/** The link that proves the person controls the address (src/operations/email-verification.ts). */
export function verificationMail(
  brand: MailBrand,
  m: { email: string; link: string; minutes: number },
): MailContent {
  return letter({
    brand,
    subject: `Verify your email for ${brand.name}`,
    intro: [`Confirm that ${m.email} is your address on ${brand.name}.`],
    action: `Verify your email within ${m.minutes} minutes`,
    link: m.link,
    outro: [
      'If you did not create an account, ignore this message, or choose a password with "Forgot password?" on the sign-in page to take the account over.',
    ],
  });
}
