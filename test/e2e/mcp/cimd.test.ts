import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpsServer } from '../../helpers/https.js';
import { useChromium } from './helpers/browser.js';
import { CimdClientProvider, type Exchange, recordingFetch } from './helpers/clients.js';
import { connectAuthorized } from './helpers/scenarios.js';
import { type McpSdk, sdkV1, sdkV2 } from './helpers/sdks.js';
import { type Stack, startDemoStack } from './helpers/stack.js';

/**
 * Issue 4, end to end: MCP SDK clients identified by a Client ID Metadata Document. The document is
 * served over HTTPS by a local server whose certificate comes from the test CA (trusted through
 * NODE_EXTRA_CA_CERTS, see test/global-setup.ts); Gatehouse runs the demo's configuration with
 * `cimd.allowLoopback` and fetches it with its real SSRF-safe fetcher (no `cimd.fetch` hook).
 */

useChromium();

const line = (e: Exchange) => `${e.method} ${e.url} → ${e.status}`;

describe('MCP SDK clients with a client ID metadata document (CIMD) against the demo', () => {
  let stack: Stack;
  let documents: Awaited<ReturnType<typeof startHttpsServer>>;
  const published = new Map<string, Record<string, unknown>>();
  const served: { method: string; path: string; accept: string | undefined }[] = [];

  beforeAll(async () => {
    documents = await startHttpsServer((req, res) => {
      const path = req.url ?? '/';
      served.push({ method: req.method ?? '', path, accept: req.headers.accept });
      const doc = published.get(path);
      if (!doc) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
      res.end(JSON.stringify(doc));
    });
    stack = await startDemoStack({ cimd: { allowLoopback: true } });
  });
  afterAll(async () => {
    await stack?.close();
    await documents?.close();
  });

  const cases: { sdk: McpSdk; path: string; name: string; redirect: (listener: string) => string }[] = [
    // The document lists the listener's exact redirect URI.
    { sdk: sdkV1, path: '/clients/todo-portable-v1.json', name: 'Todo Portable (v1)', redirect: (l) => l },
    // The document lists a port-less loopback redirect URI (RFC 8252 §7.3), used with a random port.
    {
      sdk: sdkV2,
      path: '/clients/todo-portable-v2.json',
      name: 'Todo Portable (v2)',
      redirect: () => 'http://127.0.0.1/callback',
    },
  ];

  for (const { sdk, path, name, redirect } of cases) {
    it(`${sdk.name}: discovery → CIMD document fetched by Gatehouse over HTTPS → consent in Chromium showing the document host → token → tools/call → refresh`, async () => {
      const clientId = `${documents.origin}${path}`;
      const host = new URL(clientId).host; // localhost:PORT
      expect(new URL(clientId).hostname).toBe('localhost');
      published.set(path, {
        client_id: clientId,
        client_name: name,
        redirect_uris: [redirect(stack.callback.redirectUri)],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
      const consent: Record<string, unknown> = {};
      const provider = new CimdClientProvider(stack, clientId, name, {
        onPage: async (step, page) => {
          if (step !== 'consent') return;
          consent.client = await page.locator('#client-name').textContent();
          consent.host = await page.locator('#client-host').textContent();
          consent.redirectHost = await page.locator('#redirect-host').textContent();
          consent.warnings = await page.getByRole('note').allTextContents();
        },
      });
      const { fetch, log } = recordingFetch();
      const fetchesBefore = served.filter((s) => s.path === path).length;

      const mcp = await connectAuthorized(sdk, () => sdk.open(stack.mcpUrl, provider, fetch), provider);

      // Discovery: 401 → RFC 9728 → RFC 8414, whose metadata advertises CIMD.
      expect(line(log[0]!)).toBe(`POST ${stack.mcpUrl} → 401`);
      expect(line(log[1]!)).toBe(`GET ${stack.todo.resource.metadataUrl} → 200`);
      expect(line(log[2]!)).toBe(`GET ${stack.issuer}/.well-known/oauth-authorization-server → 200`);
      const metadata = (await (
        await globalThis.fetch(`${stack.issuer}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      expect(metadata.client_id_metadata_document_supported).toBe(true);
      // The SDK used its metadata URL as client_id and did not fall back to registration (DCR is on too).
      expect(log.filter((e) => e.url.startsWith(`${stack.issuer}/register`))).toEqual([]);
      expect(provider.clientInformation()).toMatchObject({ client_id: clientId });
      expect(provider.authorizations).toHaveLength(1);
      const { url: authorizationUrl, callback, steps } = provider.authorizations[0]!;
      expect(Object.fromEntries(authorizationUrl.searchParams)).toMatchObject({
        client_id: clientId,
        redirect_uri: stack.callback.redirectUri,
        code_challenge_method: 'S256',
        resource: stack.mcpUrl,
      });

      // Gatehouse fetched the document itself, over HTTPS from the local server, and resolved a CIMD client.
      const fetches = served.filter((s) => s.path === path);
      expect(fetches.length).toBeGreaterThan(fetchesBefore);
      expect(fetches[0]!.method).toBe('GET');
      expect(fetches[0]!.accept).toContain('application/json');
      const client = await stack.gh.store.getClient(clientId);
      expect(client).toMatchObject({ source: 'cimd', client_name: name });

      // Consent in Chromium: the fetched name, the document's host, where the browser goes back to,
      // and the warnings for a web-address client whose redirect URIs are all on this computer.
      expect(steps).toEqual(['sign-in', 'consent']);
      expect(consent.client).toBe(name);
      expect(consent.host).toBe(host);
      expect(consent.redirectHost).toBe(new URL(stack.callback.redirectUri).host);
      expect(consent.warnings).toEqual(
        expect.arrayContaining([
          `This application is identified by its web address. Only allow it if you trust ${host}.`,
          expect.stringContaining('Every address this application returns to is on your own computer'),
        ]),
      );
      expect(callback.searchParams.get('iss')).toBe(stack.issuer);

      // Token: the code exchange as the CIMD client, bound to the Todo server.
      const codeExchange = log.find((e) => e.form?.get('grant_type') === 'authorization_code')!;
      expect(line(codeExchange)).toBe(`POST ${stack.issuer}/token → 200`);
      expect(codeExchange.form!.get('client_id')).toBe(clientId);
      expect(codeExchange.form!.get('resource')).toBe(stack.mcpUrl);
      const first = provider.tokens()!;
      expect(decodeJwt(first.access_token)).toMatchObject({
        iss: stack.issuer,
        aud: stack.mcpUrl,
        client_id: clientId,
      });

      // Tool call on the Todo MCP server.
      const title = `Adopt CIMD with ${name}`;
      const added = await mcp.callTool('add_todo', { title });
      expect(added.isError).toBeFalsy();
      expect(added.structuredContent).toMatchObject({ todo: { title, done: false } });

      // Refresh: the access token expires, the client refreshes as the CIMD client and calls again.
      stack.clock.advance(stack.accessTokenTtl + 31);
      const before = log.length;
      const listed = await mcp.callTool('list_todos');
      expect(
        (listed.structuredContent as { todos: { title: string }[] }).todos.map((t) => t.title),
      ).toContain(title);
      const after = log.slice(before);
      expect(after.find((e) => e.status === 401)?.wwwAuthenticate).toMatch(/error="invalid_token"/);
      const refresh = after.find((e) => e.form?.get('grant_type') === 'refresh_token')!;
      expect(line(refresh)).toBe(`POST ${stack.issuer}/token → 200`);
      expect(refresh.form!.get('client_id')).toBe(clientId);
      expect(refresh.form!.get('refresh_token')).toBe(first.refresh_token);
      const second = provider.tokens()!;
      expect(second.access_token).not.toBe(first.access_token);
      expect(decodeJwt(second.access_token)).toMatchObject({ client_id: clientId, aud: stack.mcpUrl });
      expect(line(after.at(-1)!)).toBe(`POST ${stack.mcpUrl} → 200`);
      expect(provider.authorizations).toHaveLength(1);
      await mcp.close();
    });
  }
});
