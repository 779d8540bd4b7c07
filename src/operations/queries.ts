import { OAuthError } from '../errors.js';
import type { AuditQuery, ClientListQuery, ClientSource, UserListQuery } from '../store/types.js';

/**
 * Query-string filters of the admin listings, parsed once for the JSON API and the dashboard alike.
 * Lists are keyset-paginated (`after` / `before` cursors on indexed columns), so a page costs the same
 * with a hundred clients or a hundred thousand.
 */

const SOURCES: readonly ClientSource[] = ['preregistered', 'cimd', 'dcr'];

function limitOf(q: URLSearchParams, fallback: number, max: number): number {
  const raw = q.get('limit');
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new OAuthError('invalid_request', '"limit" must be a positive integer');
  return Math.min(n, max);
}

const present = (q: URLSearchParams, name: string) => {
  const value = q.get(name);
  return value === null || value.trim() === '' ? undefined : value.trim();
};

export function parseClientQuery(q: URLSearchParams): ClientListQuery & { limit: number } {
  const source = present(q, 'source');
  if (source !== undefined && !SOURCES.includes(source as ClientSource))
    throw new OAuthError('invalid_request', 'source must be preregistered, cimd or dcr');
  const status = present(q, 'status');
  if (status !== undefined && status !== 'active' && status !== 'disabled')
    throw new OAuthError('invalid_request', 'status must be active or disabled');
  const query: ClientListQuery & { limit: number } = { limit: limitOf(q, 50, 500) };
  if (source) query.source = source as ClientSource;
  if (status) query.status = status as 'active' | 'disabled';
  const text = present(q, 'q');
  if (text) query.text = text.slice(0, 200);
  const resource = present(q, 'resource');
  if (resource) query.resource = resource;
  const after = present(q, 'after');
  if (after) query.after = after;
  return query;
}

function timeOf(q: URLSearchParams, name: string): number | undefined {
  const value = present(q, name);
  if (value === undefined) return undefined;
  // Epoch milliseconds, or an ISO date / date-time (the dashboard's date fields send YYYY-MM-DD or
  // YYYY-MM-DDTHH:MM, read as UTC).
  const n = /^\d+$/.test(value)
    ? Number(value)
    : Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) || value.length === 10 ? value : `${value}Z`);
  // A safe integer: the store binds it as a BIGINT, which 1e+23 (a long digit string) is not.
  if (!Number.isSafeInteger(n))
    throw new OAuthError('invalid_request', `"${name}" must be epoch milliseconds or an ISO date`);
  return n;
}

export function parseAuditQuery(q: URLSearchParams): AuditQuery & { limit: number } {
  const query: AuditQuery & { limit: number } = { limit: limitOf(q, 100, 1000) };
  const type = present(q, 'type');
  if (type) query.type = type;
  const clientId = present(q, 'client_id');
  if (clientId) query.clientId = clientId;
  const userId = present(q, 'user_id');
  if (userId) query.userId = userId;
  const since = timeOf(q, 'since');
  if (since !== undefined) query.since = since;
  let until = timeOf(q, 'until');
  // A bare date as the upper bound means the whole of that day.
  if (until !== undefined && /^\d{4}-\d\d-\d\d$/.test(present(q, 'until')!)) until += 86_400_000 - 1;
  if (until !== undefined) query.until = until;
  const before = present(q, 'before');
  if (before !== undefined) {
    if (!/^\d+$/.test(before) || !Number.isSafeInteger(Number(before)))
      throw new OAuthError('invalid_request', '"before" must be an event id');
    query.before = Number(before);
  }
  return query;
}

/** `GET /admin/api/users` and the dashboard's Users tab: a lenient limit (1 – 500, default 50). */
export function parseUserQuery(q: URLSearchParams): UserListQuery & { limit: number } {
  const raw = q.get('limit');
  const limit = raw ? Math.min(Math.max(Number.parseInt(raw, 10) || 50, 1), 500) : 50;
  const text = q.get('q')?.trim();
  const after = q.get('after');
  return { ...(text ? { text } : {}), ...(after ? { after } : {}), limit };
}
