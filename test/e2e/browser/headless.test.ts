import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTodoServer, type TodoServer } from '../../../examples/todo-mcp/index.js';
import { toNodeListener } from '../../../src/adapters/node.js';
import { createGatehouse, type Gatehouse } from '../../../src/gatehouse.js';
import {
  type CallbackServer,
  closeBrowser,
  launchBrowser,
  newBrowserContext,
  startCallbackServer,
} from '../../helpers/browser.js';
import { TEST_SECRET, testDatabase } from '../../helpers/server.js';
import { type ProviderContext, recordingFetch, TodoCliProvider } from '../mcp/helpers/clients.js';
import { connectAuthorized } from '../mcp/helpers/scenarios.js';
import { sdkV1 } from '../mcp/helpers/sdks.js';
import { type HeadlessUiServer, startHeadlessUi } from './headless-ui.js';

/**
 * Issue 16, headless API: a team's own sign-in page (headless-ui.ts, on another loopback origin,
 * allowed through `headless.loginUrl`) completes the MCP TypeScript SDK's authorization-code + PKCE
 * flow in real Chromium, and the SDK then calls the Todo MCP server with the token. No hosted
 * Gatehouse page is shown on the way.
 */

const USER = { email: 'hedy@example.com', password: 'correct horse battery' };

interface Env {
  gh: Gatehouse;
  issuer: string;
  todo: TodoServer;
  ui: HeadlessUiServer;
  callback: CallbackServer;
  close(): Promise<void>;
}

async function startEnv(): Promise<Env> {
  const ui = await startHeadlessUi();
  const database = await testDatabase();
  let listener: ReturnType<typeof toNodeListener> | undefined;
  const server: Server = createServer((req, res) => {
    if (listener) listener(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const todo = await createTodoServer({ issuer, databasePath: ':memory:' });
  const gh = await createGatehouse({
    issuer,
    secret: TEST_SECRET,
    database: database.url,
    logger: false,
    resources: [{ resource: todo.url, name: 'Todo MCP', scopes: ['todos.read', 'todos.write'] }],
    clients: [
      {
        client_id: 'todo-cli',
        client_name: 'Todo CLI',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
    ],
    users: [USER],
    headless: { enabled: true, loginUrl: ui.loginUrl },
  });
  listener = toNodeListener(gh);
  ui.serve(issuer);
  const callback = await startCallbackServer();
  return {
    gh,
    issuer,
    todo,
    ui,
    callback,
    async close() {
      await callback.close();
      await todo.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gh.close();
      await ui.close();
      await database.cleanup();
    },
  };
}

/** What the custom page showed on its consent step. */
interface Shown {
  client?: string | null;
  redirectHost?: string | null;
  resource?: string | null;
  scopes?: string | null;
  user?: string | null;
}

/** The MCP client application, whose browser step is the team's page instead of the hosted one. */
class HeadlessUiProvider extends TodoCliProvider {
  readonly navigations: string[] = [];
  readonly shown: Shown = {};

  constructor(
    stack: ProviderContext,
    private readonly context: () => BrowserContext,
    private readonly uiOrigin: string,
  ) {
    super(stack);
  }

  override async redirectToAuthorization(url: URL): Promise<void> {
    const page = await this.context().newPage();
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.navigations.push(frame.url());
    });
    try {
      await page.goto(url.href);
      await page.waitForURL((u) => u.origin === this.uiOrigin);
      await page.getByLabel('Email').fill(this.stack.user.email);
      await page.getByLabel('Password').fill(this.stack.user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const allow = page.getByRole('button', { name: 'Allow' });
      await allow.waitFor();
      this.shown.client = await page.locator('#client-name').textContent();
      this.shown.redirectHost = await page.locator('#redirect-host').textContent();
      this.shown.resource = await page.locator('#resource-name').textContent();
      this.shown.scopes = await page.locator('#scopes').textContent();
      this.shown.user = await page.locator('#user').textContent();
      await allow.click();
      await page.waitForURL((u) => u.href.startsWith(this.stack.callback.redirectUri));
    } finally {
      await page.close();
    }
    const state = url.searchParams.get('state');
    const delivered = this.stack.callback.hits.findLast((hit) => hit.searchParams.get('state') === state);
    if (!delivered) throw new Error('the loopback listener never received the redirect');
    this.authorizations.push({ url, callback: delivered, steps: ['sign-in', 'consent'] });
  }
}

describe('a custom sign-in UI on the headless API, in Chromium, with the MCP SDK', () => {
  let env: Env;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    env = await startEnv();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await closeBrowser(browser);
    await env?.close();
  });
  beforeEach(async () => {
    context = await newBrowserContext(browser!);
  });
  afterEach(async () => {
    await context?.close();
  });

  it('the SDK authorizes through the team page (sign-in, consent) and calls the Todo MCP server', async () => {
    const provider = new HeadlessUiProvider(
      { issuer: env.issuer, user: USER, callback: env.callback },
      () => context!,
      env.ui.origin,
    );
    const { fetch, log } = recordingFetch();
    const mcp = await connectAuthorized(sdkV1, () => sdkV1.open(env.todo.url, provider, fetch), provider);
    const added = await mcp.callTool('add_todo', { title: 'Ship the headless UI' });
    expect(added.isError).toBeFalsy();
    expect(added.structuredContent).toMatchObject({ todo: { title: 'Ship the headless UI', done: false } });
    await mcp.close();

    // /authorize → the team's page (never a hosted Gatehouse page) → the client's loopback listener.
    const [authorize, ...rest] = provider.navigations;
    expect(authorize).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?interaction=/);
    expect(new URL(authorize!).origin).toBe(env.ui.origin);
    expect(provider.navigations.some((u) => u.startsWith(`${env.issuer}/login`))).toBe(false);
    expect(provider.navigations.some((u) => u.startsWith(`${env.issuer}/consent`))).toBe(false);
    expect(rest.at(-1)).toMatch(new RegExp(`^${env.callback.redirectUri}\\?code=ghc_`));
    // The page showed what the consent page shows, from the state endpoint.
    expect(provider.shown).toEqual({
      client: 'Todo CLI',
      redirectHost: new URL(env.callback.redirectUri).host,
      resource: 'Todo MCP',
      scopes: 'todos.read todos.write',
      user: USER.email,
    });
    // The code went through /token only, with PKCE, and the callback carried iss (RFC 9207).
    const exchange = log.find((e) => e.form?.get('grant_type') === 'authorization_code')!;
    expect(exchange.status).toBe(200);
    expect(exchange.form!.get('code_verifier')).toBeTruthy();
    expect(provider.lastCallback.searchParams.get('iss')).toBe(env.issuer);
  });

  it('a wrong password is shown on the team page; the right one leads to consent, where Deny sends access_denied back', async () => {
    const page = await context!.newPage();
    const url = new URL(`${env.issuer}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'todo-cli',
      redirect_uri: env.callback.redirectUri,
      scope: 'todos.read',
      resource: env.todo.url,
      state: 'wrong-password',
      // Consent was remembered by the test above; ask again, to press Deny.
      prompt: 'consent',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(url.href);
    await page.getByLabel('Email').fill(USER.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('The email or password is not correct.');
    await page.getByLabel('Password').fill(USER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((u) => u.href.startsWith(env.callback.redirectUri));
    const back = new URL(page.url());
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('wrong-password');
  });
});
