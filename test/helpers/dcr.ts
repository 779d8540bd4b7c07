import type { GatehouseOptions } from '../../src/config/options.js';
import { baseOptions } from './fixtures.js';

export const ADMIN_SECRET = 'admin-secret-0123456789-abcdefghijklmnopq';

/**
 * baseOptions plus DCR on; given the server's origin, also an automation client (`ops-bot`) allowed to
 * call the admin API (resource `{origin}/admin`).
 */
export function dcrOptions(dcr: GatehouseOptions['dcr'] = {}, origin?: string): Partial<GatehouseOptions> {
  const base = baseOptions();
  const clients = [...(base.clients ?? [])];
  if (origin) {
    clients.push({
      client_id: 'ops-bot',
      client_secret: ADMIN_SECRET,
      grant_types: ['client_credentials'],
      resources: [`${origin}/admin`],
    });
  }
  return { ...base, dcr: { enabled: true, ...dcr }, clients };
}

export async function register(
  issuer: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  // A 404 from an app mounting Gatehouse (DCR off) need not be JSON.
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return {
    status: response.status,
    body: text && isJson ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

export async function adminToken(issuer: string): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`ops-bot:${ADMIN_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${issuer}/admin` }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`no admin token: ${JSON.stringify(body)}`);
  return body.access_token;
}

export function admin(issuer: string, token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${issuer}/admin/api/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}
