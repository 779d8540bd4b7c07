/**
 * Size caps on everything an audit row stores. Audit events record what anonymous requests sent
 * (client_id, user agent, reasons quoting parameters), so without caps one request can store as much
 * as its body. Every path that writes an audit row goes through `capAuditEvent`, so a row is at most
 * about 3.5 KB whatever arrives (docs/configuration.md, "Storage bounds").
 */
import type { AuditEventInput } from './records.js';
import type { AuditEventsTable } from './schema.js';

export const AUDIT_CAPS = {
  type: 64,
  clientId: 512,
  userId: 128,
  actor: 256,
  ip: 64,
  userAgent: 256,
  /** Each string inside `detail` (values and keys alike are truncated). */
  detailString: 256,
  detailKey: 64,
  detailArrayItems: 20,
  detailObjectKeys: 30,
  detailDepth: 4,
  /** The serialised `detail`, in UTF-8 bytes. */
  detailBytes: 2048,
} as const;

/** Truncates to `max` UTF-16 units with a visible marker saying how long the value was. */
export function capString(value: string, max: number): string {
  if (value.length <= max) return value;
  const marker = `…[truncated, ${value.length} chars]`;
  let cut = Math.max(0, max - marker.length);
  // Never split a surrogate pair (the row must stay valid UTF-8).
  const code = value.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return value.slice(0, cut) + marker;
}

const capOrNull = (value: string | null | undefined, max: number) =>
  value === null || value === undefined ? null : capString(String(value), max);

function capValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return capString(value, AUDIT_CAPS.detailString);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return value === undefined ? undefined : String(value).slice(0, 64);
  if (depth >= AUDIT_CAPS.detailDepth) return '[nested]';
  if (Array.isArray(value)) {
    const items = value.slice(0, AUDIT_CAPS.detailArrayItems).map((v) => capValue(v, depth + 1));
    if (value.length > AUDIT_CAPS.detailArrayItems)
      items.push(`…[${value.length - AUDIT_CAPS.detailArrayItems} more]`);
    return items;
  }
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [key, v] of entries.slice(0, AUDIT_CAPS.detailObjectKeys)) {
    out[capString(key, AUDIT_CAPS.detailKey)] = capValue(v, depth + 1);
  }
  if (entries.length > AUDIT_CAPS.detailObjectKeys)
    out['…'] = `${entries.length - AUDIT_CAPS.detailObjectKeys} more keys`;
  return out;
}

/** The detail as stored: each part capped, and the whole at most `detailBytes` of JSON. */
export function serialiseAuditDetail(detail: Record<string, unknown> | undefined): string {
  const json = JSON.stringify(capValue(detail ?? {}, 0) ?? {});
  if (Buffer.byteLength(json) <= AUDIT_CAPS.detailBytes) return json;
  // Still too big (many long fields): keep a prefix of the JSON as one string, so the row stays
  // parseable and says it was cut.
  let prefix = json.slice(0, AUDIT_CAPS.detailBytes / 2 - 64);
  while (Buffer.byteLength(prefix) > AUDIT_CAPS.detailBytes / 2 - 64) prefix = prefix.slice(0, -16);
  return JSON.stringify({ truncated: true, bytes: Buffer.byteLength(json), prefix });
}

/** Every column of an audit row, capped. */
export function capAuditEvent(
  event: AuditEventInput,
): Pick<AuditEventsTable, 'type' | 'client_id' | 'user_id' | 'actor' | 'ip' | 'user_agent' | 'detail'> {
  return {
    type: capString(event.type, AUDIT_CAPS.type),
    client_id: capOrNull(event.clientId, AUDIT_CAPS.clientId),
    user_id: capOrNull(event.userId, AUDIT_CAPS.userId),
    actor: capOrNull(event.actor, AUDIT_CAPS.actor),
    ip: capOrNull(event.ip, AUDIT_CAPS.ip),
    user_agent: capOrNull(event.userAgent, AUDIT_CAPS.userAgent),
    detail: serialiseAuditDetail(event.detail),
  };
}
