import { type DocumentFetch, readCappedBytes } from './fetcher.js';

/**
 * A CIMD client's logo, fetched once by the same SSRF-safe fetcher as the document and served from
 * Gatehouse's own origin (so the consent page loads nothing from a third party, the client cannot
 * track who looks at it or swap the image later: checklist §4 attack 27). Raster images only — no SVG,
 * which can carry script — recognised by their magic bytes, not by what the server claims.
 */
export interface StoredLogo {
  contentType: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  /** base64 of the image bytes. */
  data: string;
  source: string;
  fetchedAt: number;
}

export const MAX_LOGO_BYTES = 64 * 1024;

export function sniffImage(bytes: Buffer): StoredLogo['contentType'] | undefined {
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return 'image/png';
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const head = bytes.subarray(0, 6).toString('latin1');
  if (head === 'GIF87a' || head === 'GIF89a') return 'image/gif';
  if (
    bytes.length >= 12 &&
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  ) {
    return 'image/webp';
  }
  return undefined;
}

/** Fetches and checks a logo; undefined (never an exception) when it cannot be used. */
export async function fetchLogo(
  fetchDocument: DocumentFetch,
  uri: string,
  timeoutMs: number,
  at: number,
): Promise<StoredLogo | undefined> {
  try {
    const url = new URL(uri);
    if (url.protocol !== 'https:' || url.username || url.password) return undefined;
    const response = await fetchDocument(uri, {
      headers: { accept: 'image/png, image/jpeg, image/gif, image/webp' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    const declared = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!declared.startsWith('image/') || declared.includes('svg')) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    const bytes = await readCappedBytes(response, MAX_LOGO_BYTES);
    const contentType = sniffImage(bytes);
    return contentType
      ? { contentType, data: bytes.toString('base64'), source: uri, fetchedAt: at }
      : undefined;
  } catch {
    return undefined;
  }
}
