import type { Context, RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import { assertJsonFieldLengths } from '../../http/limits.js';
import { readBody } from '../../http/params.js';
import type { AdminActor } from './auth.js';

/** The admin API's small route table: method + path pattern (`:name` segments) → handler. */
export type AdminHandler = (
  ctx: Context,
  req: RequestInfo,
  actor: AdminActor,
  params: string[],
) => Promise<Response>;

export interface AdminRoute {
  method: string;
  pattern: string[];
  handler: AdminHandler;
}

export type Register = (method: string, path: string, handler: AdminHandler) => void;

/**
 * The request's JSON object, its fields bounded (http/limits.ts). An empty body is `{}` unless the
 * route requires one; `maxBytes` raises the default body limit of http/params.ts (64 KiB).
 */
export async function jsonBody(
  req: RequestInfo,
  options: { maxBytes?: number; required?: boolean } = {},
): Promise<Record<string, unknown>> {
  const text = await readBody(req.request, options.maxBytes);
  if (!text && !options.required) return {};
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {}
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new OAuthError('invalid_request', 'the body must be a JSON object');
  assertJsonFieldLengths(value);
  return value as Record<string, unknown>;
}

/** Boundary checks that quote the field, as the rest of Gatehouse does. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `"${name}" must be a string`);
  return value;
}

export function optionalStrings(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new OAuthError('invalid_request', `"${name}" must be an array of strings`);
  return value as string[];
}

export function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new OAuthError('invalid_request', `"${name}" must be true or false`);
  return value;
}

/**
 * The context an admin operation runs with: its audit events also record the administrator's address
 * and user agent, without every operation having to carry the request.
 */
export function withRequestAudit(ctx: Context, req: RequestInfo): Context {
  return { ...ctx, audit: (event, request) => ctx.audit(event, request ?? req) };
}
