/**
 * Shared constants of the benchmark harness. Both servers get the same resource, scopes, client
 * secrets, PKCE verifier and redirect URI, so their tokens carry the same claims (the token lengths
 * are recorded in bench/results.json to show it).
 */
import { createHash } from 'node:crypto';

export const HOST = '127.0.0.1';
export const GATEHOUSE_PORT = 4610;
export const OIDC_PORT = 4620;
/** oidc-provider on its in-memory store, and the floor server (issue 18). */
export const OIDC_MEMORY_PORT = 4640;
export const FLOOR_PORT = 4630;
export const GATEHOUSE_ISSUER = `http://${HOST}:${GATEHOUSE_PORT}`;
export const OIDC_ISSUER = `http://${HOST}:${OIDC_PORT}`;
export const RESOURCE = 'http://127.0.0.1:4100/mcp';
export const SCOPES = ['todos.read', 'todos.write'];
export const REDIRECT_URI = 'https://app.example/cb';

/** Confidential machine client: client_credentials + introspection, client_secret_basic. */
export const MACHINE = { id: 'bench-machine', secret: 'bench-machine-secret-0123456789-abcdefghijkl' };
/** Confidential first-party web client: authorization_code + refresh_token, client_secret_basic. */
export const WEB = { id: 'bench-web', secret: 'bench-web-secret-0123456789-abcdefghijklmnopq' };
export const USER = { email: 'bench@example.com', password: 'bench-password-0123' };

export const PKCE_VERIFIER = 'bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
export const PKCE_CHALLENGE = createHash('sha256').update(PKCE_VERIFIER).digest('base64url');

export const basic = (client) =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

export const FORM = 'application/x-www-form-urlencoded';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function log(...args) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${args.join(' ')}\n`);
}

/** Whether an /authorize response is the redirect back to the client carrying a code (any header case). */
export function isCodeRedirect(status, headers) {
  if (status < 300 || status >= 400) return false;
  const location = headers.location ?? headers.Location ?? '';
  return location.startsWith(`${REDIRECT_URI}?code=`);
}
