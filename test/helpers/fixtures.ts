import type { GatehouseOptions } from '../../src/config/options.js';

export const RESOURCE = 'http://127.0.0.1:4100/mcp';
export const OTHER_RESOURCE = 'https://other.test/api';
export const USER = { email: 'ada@example.com', password: 'correct horse battery' };
export const CONFIDENTIAL_SECRET = 'confidential-secret-0123456789-abcdefghij';
export const MACHINE_SECRET = 'machine-secret-0123456789-abcdefghijklmnop';

/** The configuration most HTTP tests start from: two resources, one client of each kind, one user. */
export function baseOptions(): Partial<GatehouseOptions> {
  return {
    signup: true,
    resources: [
      { resource: RESOURCE, name: 'Todo MCP', scopes: ['todos.read', 'todos.write'] },
      { resource: OTHER_RESOURCE, name: 'Other API', scopes: ['other.read'] },
    ],
    defaultResource: RESOURCE,
    clients: [
      {
        client_id: 'native-app',
        client_name: 'Native App',
        redirect_uris: ['http://127.0.0.1/callback'],
        post_logout_redirect_uris: ['http://127.0.0.1/signed-out'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
      {
        client_id: 'web-app',
        client_name: 'Web App',
        client_secret: CONFIDENTIAL_SECRET,
        redirect_uris: ['https://app.example/cb', 'https://app.example/cb?x=1'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'post-app',
        client_name: 'Post App',
        client_secret: CONFIDENTIAL_SECRET,
        redirect_uris: ['https://post.example/cb'],
        token_endpoint_auth_method: 'client_secret_post',
        first_party: true,
      },
      {
        client_id: 'machine',
        client_name: 'Nightly report',
        client_secret: MACHINE_SECRET,
        grant_types: ['client_credentials'],
        scope: 'todos.read',
        introspect: ['*'],
      },
    ],
    users: [USER],
  };
}
