import { z } from 'zod';
import type { MailMessage } from './options.js';

/**
 * Accounts (issue 16): e-mail verification and whether sign-in needs it. The mailer that delivers the
 * links is the top-level `mailer` option (src/mail/). @see docs/configuration.md ("Accounts")
 */
export interface EmailVerificationOptions {
  /** How long a verification link works (seconds). @default 86400 (24 hours) */
  ttl?: number;
  /** Verification mails one client IP (an IPv6 /64) may ask for per window. @default 20 */
  maxRequestsPerIp?: number;
  /** Verification mails one address may be sent per window (beyond them none is sent). @default 3 */
  maxRequestsPerAccount?: number;
  /** @default 3600 */
  windowSeconds?: number;
}

export interface AccountOptions {
  /**
   * A password sign-in of a user whose e-mail is not verified stops at a "Verify your email" page
   * (with a throttled resend button) instead of continuing to the application; sign-up sends the
   * verification mail and stops there too. Needs a `mailer`. @default false
   */
  requireVerifiedEmail?: boolean;
  emailVerification?: EmailVerificationOptions;
}

export interface ResolvedAccounts {
  requireVerifiedEmail: boolean;
  emailVerification: {
    ttlMs: number;
    maxRequestsPerIp: number;
    maxRequestsPerAccount: number;
    windowMs: number;
  };
}

const positiveInt = z.number().int().positive().max(1_000_000).optional();

export const accountSchemaFields = {
  requireVerifiedEmail: z.boolean().optional(),
  emailVerification: z
    .strictObject({
      ttl: z
        .number()
        .int()
        .min(60)
        .max(7 * 86_400)
        .optional(),
      maxRequestsPerIp: positiveInt,
      maxRequestsPerAccount: positiveInt,
      windowSeconds: z.number().int().positive().max(86_400).optional(),
    })
    .optional(),
};

/** `mailer`: "console", an smtp:// or smtps:// URL, or a function (resolved by resolveMailer). */
export const mailerSchema = z
  .union(
    [
      z.literal('console'),
      z.string().regex(/^smtps?:\/\/[^\s]+$/i),
      z.custom<(m: MailMessage) => Promise<void>>((v) => typeof v === 'function'),
    ],
    { error: 'must be "console", an smtp:// or smtps:// URL, or a function' },
  )
  .optional();

export function resolveAccounts(
  o: AccountOptions,
  hasMailer: boolean,
): ResolvedAccounts & { problem?: string } {
  const v = o.emailVerification;
  const requireVerifiedEmail = o.requireVerifiedEmail ?? false;
  return {
    requireVerifiedEmail,
    emailVerification: {
      ttlMs: (v?.ttl ?? 86_400) * 1000,
      maxRequestsPerIp: v?.maxRequestsPerIp ?? 20,
      maxRequestsPerAccount: v?.maxRequestsPerAccount ?? 3,
      windowMs: (v?.windowSeconds ?? 3600) * 1000,
    },
    ...(requireVerifiedEmail && !hasMailer
      ? { problem: 'requireVerifiedEmail: needs a mailer to send verification links (mailer)' }
      : {}),
  };
}
