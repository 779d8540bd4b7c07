import { describe, expect, it } from 'vitest';
import { DocumentHost } from '../../helpers/cimd.js';
import { OTHER_RESOURCE } from '../../helpers/fixtures.js';
import {
  authorizeUrl,
  baseOptions,
  expectErrorPage,
  get,
  query,
  RESOURCE,
  signedInAgent,
  useServer,
} from '../../helpers/oauth.js';
import { decodeEntities } from '../../helpers/user-agent.js';

/**
 * Authorization error pages say what was wrong and what to change (issue 14): the refused redirect URI
 * and the registered ones (within the disclosure rule of docs/security.md; the limits are attacked in
 * test/attack/error-page-disclosure.test.ts), the unknown client_id, and, in the error redirected to
 * the client, the resource asked for with those the client may request, and the scopes on offer.
 */

const PORTABLE = 'https://tool.example.com/oauth/client.json';
const host = new DocumentHost();
host.publish(PORTABLE);

/** The page's visible text, entities decoded, whitespace collapsed. */
function text(html: string): string {
  return decodeEntities(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
}

describe('authorization error pages tell the developer what to change', () => {
  const srv = useServer(() => ({ ...baseOptions(), cimd: { enabled: true, fetch: host.fetch } }));

  it('MCP Inspector’s callback refused for a loopback client: both addresses, the loopback rule, where to add it', async () => {
    const refused = 'http://localhost:6274/oauth/callback';
    const page = text(await expectErrorPage(await get(authorizeUrl(srv(), { redirect_uri: refused }).url)));
    expect(page).toContain('not registered for this application');
    expect(page).toContain(`Refused address (redirect_uri) ${refused}`);
    expect(page).toContain('Registered addresses http://127.0.0.1/callback');
    expect(page).toContain('its host (localhost, 127.0.0.1 or [::1]) and its path must be the same');
    expect(page).toContain('clients[].redirect_uris in gatehouse.json');
  });

  it('a trailing slash is named as the difference, with the registered addresses of that origin', async () => {
    const page = text(
      await expectErrorPage(
        await get(authorizeUrl(srv(), { client_id: 'web-app', redirect_uri: 'https://app.example/cb/' }).url),
      ),
    );
    expect(page).toContain('https://app.example/cb/');
    expect(page).toContain('https://app.example/cb?x=1');
    expect(page).toContain('differ only by a trailing slash');
  });

  it('a missing redirect_uri when several are registered asks for one', async () => {
    const page = text(
      await expectErrorPage(
        await get(authorizeUrl(srv(), { client_id: 'web-app', redirect_uri: undefined }).url),
      ),
    );
    expect(page).toContain('must say where to return (redirect_uri)');
    expect(page).toContain('Send redirect_uri with one of the addresses registered for this client');
  });

  it('a CIMD client’s page lists every address of its public document and says to edit the document', async () => {
    const page = text(
      await expectErrorPage(
        await get(
          authorizeUrl(srv(), { client_id: PORTABLE, redirect_uri: 'https://elsewhere.example/cb' }).url,
        ),
      ),
    );
    expect(page).toContain('http://127.0.0.1/callback');
    expect(page).toContain('https://tool.example.com/cb');
    expect(page).toContain("client's metadata document");
  });

  it('a client with no redirect address (client_credentials only) is told it cannot use the code flow', async () => {
    const page = text(await expectErrorPage(await get(authorizeUrl(srv(), { client_id: 'machine' }).url)));
    expect(page).toContain('no registered redirect address, so it cannot use the authorization code flow');
  });

  it('an unknown client_id is shown back with where clients come from', async () => {
    const page = text(await expectErrorPage(await get(authorizeUrl(srv(), { client_id: 'todo-clj' }).url)));
    expect(page).toContain('client_id todo-clj');
    expect(page).toContain('Check the client_id for typing mistakes');
  });

  it('an unknown resource is redirected with the resource asked for and those the client may request', async () => {
    const agent = await signedInAgent(srv());
    const asked = 'https://unknown.example/mcp';
    const response = await agent.request(authorizeUrl(srv(), { resource: asked }).url);
    expect(response.status).toBe(302);
    const error = query(response.headers.get('location')!);
    expect(error.error).toBe('invalid_target');
    expect(error.error_description).toContain(`requested: ${asked}`);
    expect(error.error_description).toContain(`this client may request: ${RESOURCE}, ${OTHER_RESOURCE}`);
  });

  it('an unknown scope is redirected with the scopes the resource offers', async () => {
    const agent = await signedInAgent(srv());
    const response = await agent.request(authorizeUrl(srv(), { scope: 'todos.delete' }).url);
    const error = query(response.headers.get('location')!);
    expect(error.error).toBe('invalid_scope');
    expect(error.error_description).toBe(
      `unknown scope: todos.delete (resource ${RESOURCE} offers: todos.read todos.write openid email roles)`,
    );
  });
});
