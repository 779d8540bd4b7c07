import { AddressRefused, BodyTooLarge } from './fetcher.js';
import { FetchBusy } from './slots.js';

/** Errors that say nothing about the document: worth serving the copy validated before. */
export function isTransient(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof BodyTooLarge || error instanceof AddressRefused || cause instanceof AddressRefused)
    return false;
  return (cause as { code?: string })?.code !== 'EADDRREFUSED';
}

export function describeFetchError(error: unknown, host: string): string {
  if (error instanceof BodyTooLarge) return `the document at ${host} is larger than ${error.limit} bytes`;
  if (error instanceof FetchBusy) return error.message;
  const cause = (error as { cause?: unknown }).cause;
  if (
    error instanceof AddressRefused ||
    cause instanceof AddressRefused ||
    (cause as { code?: string })?.code === 'EADDRREFUSED'
  ) {
    return `${host} resolves to a private or reserved address, which this server does not contact`;
  }
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `${host} did not answer in time`;
  const code = (cause as { code?: string })?.code ?? (error as { code?: string }).code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${host} could not be found`;
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return `${host} did not present a trusted TLS certificate`;
  }
  return `the document at ${host} could not be fetched`;
}

/** CIMD-01 §4: only a 200 with a JSON document counts; redirects are never followed (§6.5). */
export function documentJson(
  response: Response,
  text: string,
  host: string,
): { ok: true; value: unknown } | { ok: false; reason: string; transient?: boolean } {
  if (response.status >= 300 && response.status < 400)
    return { ok: false, reason: `${host} answered with a redirect, which is not followed` };
  if (response.status !== 200) {
    const transient = response.status >= 500 || response.status === 429;
    return {
      ok: false,
      reason: `${host} answered HTTP ${response.status} instead of the document`,
      transient,
    };
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    return { ok: false, reason: `${host} did not serve JSON (Content-Type: ${type || 'none'})` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'the document is not valid JSON' };
  }
}
