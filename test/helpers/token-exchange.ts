import type { GatehouseOptions } from '../../src/config/options.js';
import { baseOptions, RESOURCE } from './fixtures.js';
import { basic, type JsonResponse, obtainTokens, tokenRequest } from './oauth.js';
import type { TestServer } from './server.js';

/**
 * Token exchange fixtures (RFC 8693, docs/enterprise.md): resource A is the Todo MCP server
 * (RESOURCE), B a downstream files API, C an archive behind B, D an API no rule leads to. The user's
 * token for A is obtained by native-app; `mcp-server` is A's own client, `files-server` B's.
 */

type ParamValue = string | string[] | undefined;

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const FILES = 'https://files.test/v1';
export const ARCHIVE = 'https://archive.test/v1';
export const UNRULED = 'https://unruled.test/v1';
export const EXCHANGER_SECRET = 'exchanger-secret-0123456789-abcdefghijkl';
export const MCP_SERVER_AUTH = basic('mcp-server', EXCHANGER_SECRET);
export const FILES_SERVER_AUTH = basic('files-server', EXCHANGER_SECRET);

const exchanger = (client_id: string, resources: string[]) => ({
  client_id,
  client_name: client_id,
  client_secret: EXCHANGER_SECRET,
  grant_types: [TOKEN_EXCHANGE] as NonNullable<GatehouseOptions['clients']>[number]['grant_types'],
  ...(resources.length ? { resources } : {}),
});

export function exchangeOptions(): Partial<GatehouseOptions> {
  const base = baseOptions();
  return {
    ...base,
    resources: [
      {
        resource: RESOURCE,
        name: 'Todo MCP',
        scopes: ['todos.read', 'todos.write', 'files.read', 'files.write'],
      },
      { resource: FILES, name: 'Files API', scopes: ['files.read', 'files.write'] },
      { resource: ARCHIVE, name: 'Archive API', scopes: ['files.read'] },
      { resource: UNRULED, name: 'Unruled API', scopes: ['files.read'] },
    ],
    clients: [
      ...base.clients!,
      exchanger('mcp-server', [RESOURCE, FILES, UNRULED]),
      exchanger('files-server', [FILES, ARCHIVE]),
      // Holds the grant type and may obtain tokens for B, but is not A's client.
      exchanger('rogue', [FILES]),
      // An empty `resources` list allows every unrestricted resource, A included: still not A's client.
      exchanger('rogue-open', []),
    ],
    tokenExchange: [
      { from: RESOURCE, to: FILES, scopes: ['files.read', 'files.write'] },
      { from: FILES, to: ARCHIVE, scopes: ['files.read'] },
    ],
  };
}

/** A user's token for A (native-app, public), with the scope asked for. */
export async function userTokenForA(
  srv: TestServer,
  scope = 'todos.read files.read',
): Promise<{
  access_token: string;
  refresh_token?: string;
}> {
  return obtainTokens(srv, { scope, resource: RESOURCE });
}

/** POST /token with the token-exchange grant; `auth` is the Authorization header. */
export function exchange(
  srv: TestServer,
  subjectToken: string,
  extra: Record<string, ParamValue> = {},
  auth: string | null = MCP_SERVER_AUTH,
): Promise<JsonResponse> {
  return tokenRequest(
    srv,
    {
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: FILES,
      ...extra,
    },
    auth === null ? {} : { authorization: auth },
  );
}
