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

/** The `logger` option as a pino logger: credential-bearing fields censored. */
export function makeLogger(option: GatehouseOptions['logger']): Logger {
  if (option === false) return pino({ level: 'silent' });
  if (option && typeof option === 'object' && 'child' in option) return option;
  const settings = {
    level: typeof option === 'string' ? option : (option?.level ?? 'info'),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'gatehouse' },
  };
  return option && typeof option === 'object' ? pino(settings, option.destination) : pino(settings);
}
