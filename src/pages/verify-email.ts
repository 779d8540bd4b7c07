import { errorList, type FormModel, hidden, html, invalidWhen, layout, type PageModel } from './layout.js';

/**
 * E-mail verification pages (src/interaction/verify-email.ts). None of them ever shows a token other
 * than the one the person arrived with in their own link, and the "sent" page is the same whatever
 * address was given.
 */

export interface VerifyRequestModel extends FormModel {
  /** The resend action (`{issuer}/verify-email/send`). */
  action: string;
  /** False when no mailer is configured. */
  available: boolean;
  loginHref: string;
}

/** Asks for an address to send a verification link to (`GET {issuer}/verify-email`). */
export function renderVerifyEmailRequest(m: VerifyRequestModel): string {
  return layout(
    { title: 'Verify your email', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Verify your email</h1>
${
  m.available
    ? html`<p>Enter the email address of your account and we will send you a link that verifies it.</p>
${errorList(m.error)}
<form method="post" action="${m.action}" novalidate>
${hidden({ csrf: m.csrf, interaction: m.interaction })}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${m.email ?? ''}"${invalidWhen(m.error)} autofocus>
<div class="actions stack"><button type="submit" class="primary">Send verification email</button></div>
</form>`
    : html`<p role="note">Email verification is not available on this server. Ask an administrator.</p>`
}
<p class="muted"><a href="${m.loginHref}">Back to sign in</a></p>`,
  );
}

/**
 * A sign-in that needs a verified address stops here (option requireVerifiedEmail): the person
 * proved the password, so the page may name their address; the resend button is throttled.
 */
export function renderVerifyEmailPending(m: VerifyRequestModel): string {
  return layout(
    { title: 'Verify your email', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Verify your email</h1>
<p role="status">Before you can continue, verify <strong>${m.email ?? ''}</strong>: follow the link in the email we sent, then sign in again.</p>
${errorList(m.error)}
<form method="post" action="${m.action}">
${hidden({ csrf: m.csrf, interaction: m.interaction, email: m.email })}
<div class="actions stack"><button type="submit" class="primary">Resend verification email</button></div>
</form>
<p class="muted"><a href="${m.loginHref}">Back to sign in</a></p>`,
  );
}

/** The same answer for every address, known, unknown or verified already. */
export function renderVerifyEmailSent(m: PageModel & { loginHref: string }): string {
  return layout(
    { title: 'Check your email', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Check your email</h1>
<p role="status">If an account with that address still needs verifying, we sent it a link. The link works once and expires soon.</p>
<p class="muted"><a href="${m.loginHref}">Back to sign in</a></p>`,
  );
}

export interface VerifyConfirmModel extends PageModel {
  action: string;
  csrf: string;
  token: string;
  email: string;
}

/**
 * What a verification link opens: a button, so that a mail scanner fetching the link does not use
 * it (only the POST does).
 */
export function renderVerifyEmailConfirm(m: VerifyConfirmModel): string {
  return layout(
    { title: 'Verify your email', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Verify your email</h1>
<p>Confirm that <strong>${m.email}</strong> is your address.</p>
<form method="post" action="${m.action}">
${hidden({ csrf: m.csrf, token: m.token })}
<div class="actions stack"><button type="submit" class="primary">Verify email</button></div>
</form>`,
  );
}

export interface VerifiedModel extends PageModel {
  email: string;
  /** Where to go on: the account page when signed in, else the sign-in page. */
  next: { href: string; label: string };
  /** Not signed in: a link to take the account over with a new password (pre-hijack). */
  forgotHref?: string;
}

export function renderEmailVerified(m: VerifiedModel): string {
  return layout(
    { title: 'Email verified', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Email verified</h1>
<p role="status"><strong>${m.email}</strong> is verified. Accounts linked and sessions started before it was verified have been signed out.</p>
${m.forgotHref ? html`<p>Did you not create this account? <a href="${m.forgotHref}">Choose a new password</a> to take it over.</p>` : ''}
<p><a href="${m.next.href}">${m.next.label}</a></p>`,
  );
}
