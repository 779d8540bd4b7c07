import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTodoServer, type TodoServer } from '../../../examples/todo-mcp/index.js';
import { toNodeListener } from '../../../src/adapters/node.js';
import { createGatehouse, type Gatehouse } from '../../../src/gatehouse.js';
import { EnterpriseIdp } from '../../helpers/enterprise-idp.js';
import { TEST_SECRET, testDatabase } from '../../helpers/server.js';
import { recordingFetch } from './helpers/clients.js';

/**
 * Enterprise-managed authorization end to end, with no browser (MCP extension §2.1, steps after the
 * IdP): an MCP client built on the MCP TypeScript SDK v1 holds an ID-JAG from the enterprise IdP (here
 * a local one), and its OAuth provider presents it at Gatehouse's token endpoint as the jwt-bearer grant
 * (prepareTokenRequest) with its client secret. The SDK discovers Gatehouse from the Todo MCP server's
 * protected resource metadata, obtains the token and calls the tools.
 */

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AGENT = { id: 'corp-agent', secret: 'corp-agent-secret-0123456789-abcdefghij' };
const USER = { email: 'ada@corp.example', password: 'correct horse battery' };

/** The MCP client application's provider: every token request is a fresh ID-JAG from the IdP. */
class IdJagProvider implements OAuthClientProvider {
  private stored?: OAuthTokens;
  assertions = 0;
  constructor(private readonly obtainIdJag: () => Promise<string>) {}
  get redirectUrl() {
    return undefined;
  }
  get clientMetadata() {
    return {
      client_name: 'Corp agent',
      redirect_uris: [],
      grant_types: [GRANT],
      token_endpoint_auth_method: 'client_secret_basic',
    };
  }
  clientInformation(): OAuthClientInformationMixed {
    return { client_id: AGENT.id, client_secret: AGENT.secret };
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization(): void {
    throw new Error('no browser: enterprise-managed authorization never redirects');
  }
  saveCodeVerifier() {}
  codeVerifier(): string {
    throw new Error('not used');
  }
  async prepareTokenRequest(scope?: string) {
    this.assertions++;
    const params = new URLSearchParams({ grant_type: GRANT, assertion: await this.obtainIdJag() });
    if (scope) params.set('scope', scope);
    return params;
  }
}

describe('an MCP client (SDK v1) presents an ID-JAG and calls the Todo MCP server', () => {
  let idp: EnterpriseIdp;
  let gh: Gatehouse;
  let todo: TodoServer;
  let server: Server;
  let issuer = '';
  let database: Awaited<ReturnType<typeof testDatabase>>;

  beforeAll(async () => {
    database = await testDatabase();
    idp = await EnterpriseIdp.start();
    let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    server = createServer((req, res) => listener!(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    todo = await createTodoServer({ issuer, databasePath: ':memory:' });
    gh = await createGatehouse({
      issuer,
      secret: TEST_SECRET,
      database: database.url,
      logger: false,
      resources: [{ resource: todo.url, name: 'Todo MCP', scopes: ['todos.read', 'todos.write'] }],
      clients: [{ client_id: AGENT.id, client_secret: AGENT.secret, grant_types: [GRANT] }],
      users: [{ ...USER, email_verified: true }],
      enterprise: { idps: [{ issuer: idp.issuer, jwks_uri: idp.jwksUri, subject: 'email' }] },
    });
    listener = toNodeListener(gh);
  });
  afterAll(async () => {
    await todo?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    await gh?.close();
    await idp?.close();
    await database?.cleanup();
  });

  it('no redirect, one token request with the ID-JAG, then add_todo and list_todos', async () => {
    const provider = new IdJagProvider(() =>
      idp.sign({
        audience: issuer,
        clientId: AGENT.id,
        resource: todo.url,
        email: USER.email,
        scope: 'todos.read todos.write',
      }),
    );
    const { fetch: fetchFn, log } = recordingFetch();
    const client = new Client({ name: 'corp-agent', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(todo.url), {
      authProvider: provider,
      fetch: fetchFn,
    });
    await client.connect(transport);
    try {
      const added = await client.callTool({
        name: 'add_todo',
        arguments: { title: 'File the expense report' },
      });
      expect(added.isError).toBeFalsy();
      const listed = await client.callTool({ name: 'list_todos', arguments: {} });
      expect(listed.structuredContent).toMatchObject({ todos: [{ title: 'File the expense report' }] });
    } finally {
      await client.close();
    }
    expect(provider.assertions).toBe(1);
    const tokenCalls = log.filter((e) => e.url.startsWith(`${issuer}/token`));
    expect(tokenCalls.map((e) => e.form?.get('grant_type'))).toEqual([GRANT]);
    expect(log.some((e) => e.url.includes('/authorize'))).toBe(false);
    const user = await gh.context.store.getUserByEmail(USER.email);
    expect(decodeJwt(provider.tokens()!.access_token)).toMatchObject({
      aud: todo.url,
      sub: user!.id,
      client_id: AGENT.id,
    });
  });

  it('the same ID-JAG presented twice is refused the second time (invalid_grant)', async () => {
    const assertion = await idp.sign({
      audience: issuer,
      clientId: AGENT.id,
      resource: todo.url,
      email: USER.email,
    });
    const provider = new IdJagProvider(async () => assertion);
    const first = new Client({ name: 'a', version: '1' });
    await first.connect(new StreamableHTTPClientTransport(new URL(todo.url), { authProvider: provider }));
    await first.close();
    const again = new IdJagProvider(async () => assertion);
    const { fetch: fetchFn, log } = recordingFetch();
    const second = new Client({ name: 'b', version: '1' });
    await expect(
      second.connect(
        new StreamableHTTPClientTransport(new URL(todo.url), { authProvider: again, fetch: fetchFn }),
      ),
    ).rejects.toThrow();
    expect(log.filter((e) => e.url.startsWith(`${issuer}/token`)).map((e) => e.status)).toEqual([400]);
    const refused = await gh.context.store.listAuditEvents({ type: 'token.id_jag_refused', limit: 5 });
    expect(refused[0]?.detail).toMatchObject({ reason: 'the assertion was used before' });
  });
});
