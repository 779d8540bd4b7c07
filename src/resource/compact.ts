/**
 * The strict form of a compact JWS (RFC 7515 §3.1, §7.1): three base64url segments without padding
 * or any other character (RFC 7515 §2), each the canonical encoding of its bytes (the unused low bits
 * of the last character are zero, RFC 4648 §3.5). Decoders are lenient (whitespace, `+` and `/`, stray
 * bits), so without this many strings verify as the same signed token; with it, exactly one does.
 * No Buffer: `gatehouse/resource` runs on any web-standard runtime.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SEGMENT = /^[A-Za-z0-9_-]*$/;

function isCanonicalSegment(segment: string): boolean {
  if (!SEGMENT.test(segment)) return false;
  const rest = segment.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = ALPHABET.indexOf(segment[segment.length - 1]!);
  // Two characters carry 8 bits (4 unused), three carry 16 (2 unused).
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

export function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every(isCanonicalSegment);
}
