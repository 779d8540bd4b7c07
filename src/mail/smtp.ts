import type { Transporter } from 'nodemailer';
import type { MailMessage } from '../config/options.js';
import { nodemailer } from './libraries.js';

/**
 * The `mailer: "smtp://…"` / `"smtps://…"` form: every message through nodemailer's SMTP transport
 * (STARTTLS when the server offers it on smtp://, implicit TLS on smtps://; RFC 8314). Connection,
 * greeting and socket timeouts are bounded so a stalled relay cannot hold a request. The URL usually
 * carries the relay's password: it is never logged or shown — errors are rethrown with the URL's
 * credentials removed from their message, and the settings view shows redactSmtpUrl's form.
 */

export const SMTP_URL = /^smtps?:\/\//i;

/** Timeouts (milliseconds) towards the SMTP relay. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** The URL with its password (and user) replaced by "[hidden]"; query parameters dropped. */
export function redactSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    const who = u.username || u.password ? '[hidden]@' : '';
    return `${u.protocol}//${who}${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '[invalid SMTP URL]';
  }
}

/** An Error safe to log: the code and SMTP reply, with every credential of `url` cut out of the text. */
function safeError(url: string, error: unknown): Error {
  const u = new URL(url);
  const secrets = [u.password, decodeURIComponent(u.password), u.username, decodeURIComponent(u.username)]
    .filter((s) => s.length >= 3)
    .sort((a, b) => b.length - a.length);
  const raw = error instanceof Error ? error.message : String(error);
  const message = secrets.reduce(
    (m, s) => m.split(s).join('[hidden]'),
    raw.split(url).join(redactSmtpUrl(url)),
  );
  const code = (error as { code?: unknown }).code;
  const reply = (error as { responseCode?: unknown }).responseCode;
  const safe = new Error(`SMTP delivery through ${redactSmtpUrl(url)} failed: ${message}`);
  Object.assign(safe, { code: typeof code === 'string' ? code : undefined, responseCode: reply });
  return safe;
}

/** Transport options from the URL: host, port (465 for smtps, else 587), credentials, `?from=`. */
function transportOptions(url: string) {
  const u = new URL(url);
  const secure = u.protocol.toLowerCase() === 'smtps:';
  const auth = u.username
    ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
    : undefined;
  return {
    options: { host: u.hostname, port: Number(u.port) || (secure ? 465 : 587), secure, auth, ...TIMEOUTS },
    from: u.searchParams.get('from') ?? undefined,
  };
}

/**
 * A mailer sending through the relay at `url`. The sender is the URL's `?from=` address, else
 * `defaultFrom` (no-reply at the issuer's host).
 */
export function smtpMailer(url: string, defaultFrom: string): (message: MailMessage) => Promise<void> {
  const { options, from } = transportOptions(url);
  let transport: Transporter | undefined;
  return async (message) => {
    transport ??= (await nodemailer()).createTransport({ ...options, logger: false, debug: false });
    try {
      await transport.sendMail({
        from: from ?? defaultFrom,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    } catch (error) {
      throw safeError(url, error);
    }
  };
}
