import pino, { type Logger } from 'pino';
import type { GatehouseOptions } from './options.js';

/** Redaction paths for pino: any credential that could end up in a log line is censored. */
export const REDACT_PATHS = [
  'password',
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'token',
  'secret',
  '*.password',
  '*.client_secret',
  '*.code',
  '*.code_verifier',
  '*.refresh_token',
  '*.access_token',
  '*.token',
  '*.secret',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

/**
 * A fault's code, which a log line must keep (`err.code`: `ECONNREFUSED`, `SQLITE_FULL`, PostgreSQL's
 * `57P01`): capitals, digits and underscores only. Every credential Gatehouse issues (an authorization
 * code, a refresh token: `prefix_id.secret`, tokens/opaque.ts) has lower case and a dot, so it never
 * has this shape. pino's wildcard censor is not told which object held the field (its path starts with
 * null), so the rule is the value's shape, applied to `*.code` only; a top-level `code` stays censored.
 */
const FAULT_CODE = /^[A-Z0-9_]{2,48}$/;

export function keepsValue(value: unknown, path: readonly (string | null)[]): boolean {
  return path.length === 2 && path[1] === 'code' && typeof value === 'string' && FAULT_CODE.test(value);
}

/** pino's censor: `[redacted]`, except for a fault's code (keepsValue). */
export function censor(value: unknown, path: (string | null)[]): unknown {
  return keepsValue(value, path) ? value : '[redacted]';
}

/** The `logger` option as a pino logger: credential-bearing fields censored, fault codes kept. */
export function makeLogger(option: GatehouseOptions['logger']): Logger {
  if (option === false) return pino({ level: 'silent' });
  if (option && typeof option === 'object' && 'child' in option) return option;
  const settings = {
    level: typeof option === 'string' ? option : (option?.level ?? 'info'),
    redact: { paths: REDACT_PATHS, censor },
    base: { service: 'gatehouse' },
  };
  return option && typeof option === 'object' ? pino(settings, option.destination) : pino(settings);
}
