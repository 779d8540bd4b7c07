import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProtectedResource,
  metadataPath,
  metadataUrl,
  ResourceConfigError,
  withBearerAuth,
} from '../../src/resource/index.js';
import type { TestServer } from '../helpers/server.js';
import { protect, RESOURCE, startAuthorizationServer } from './setup.js';

describe('protected resource metadata (RFC 9728)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startAuthorizationServer();
  });
  afterAll(() => srv.close());

  const get = (rs: ReturnType<typeof protect>, url: string, init: RequestInit = {}) => {
    const response = rs.handleMetadata(new Request(url, init));
    if (!response) throw new Error(`no metadata at ${url}`);
    return response;
  };

  it('is served at the path-inserted location, with resource byte-identical to the resource URL (§3.1, §3.3)', async () => {
    const rs = protect(srv, { resourceName: 'Todo MCP' });
    expect(rs.metadataUrl).toBe('http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp');
    const response = get(rs, rs.metadataUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [srv.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['todos.read', 'todos.write'],
      resource_name: 'Todo MCP',
    });
  });

  it('keeps an origin-only resource without an added trailing slash, at the root location', async () => {
    const rs = createProtectedResource({ issuer: srv.issuer, resource: 'http://127.0.0.1:4100' });
    expect(rs.metadataUrl).toBe('http://127.0.0.1:4100/.well-known/oauth-protected-resource');
    const body = (await get(rs, rs.metadataUrl).json()) as { resource: string };
    expect(body.resource).toBe('http://127.0.0.1:4100');
  });

  it('removes a terminating slash after the host before inserting the well-known suffix (§3.1)', () => {
    expect(metadataPath('https://mcp.test/')).toBe('/.well-known/oauth-protected-resource');
    expect(metadataUrl('https://mcp.test/')).toBe('https://mcp.test/.well-known/oauth-protected-resource');
    expect(metadataUrl('https://mcp.test:8443/a/b/')).toBe(
      'https://mcp.test:8443/.well-known/oauth-protected-resource/a/b/',
    );
  });

  it('serves the root location as a fallback document that describes the origin, as the MCP conformance suite does', async () => {
    const rs = protect(srv);
    const body = (await get(
      rs,
      'http://127.0.0.1:4100/.well-known/oauth-protected-resource',
    ).json()) as Record<string, unknown>;
    expect(body.resource).toBe('http://127.0.0.1:4100');
    expect(body.authorization_servers).toEqual([srv.issuer]);
  });

  it('omits members whose array would be empty (§2)', async () => {
    const rs = createProtectedResource({ issuer: srv.issuer, resource: RESOURCE });
    const body = (await get(rs, rs.metadataUrl).json()) as Record<string, unknown>;
    expect(body).toEqual({
      resource: RESOURCE,
      authorization_servers: [srv.issuer],
      bearer_methods_supported: ['header'],
    });
    expect(Object.values(body).some((v) => Array.isArray(v) && v.length === 0)).toBe(false);
  });

  it('never publishes offline_access, in the metadata or in a 401 challenge (MCP 2026-07-28)', async () => {
    const rs = protect(srv, { scopesSupported: ['todos.read', 'offline_access'] });
    const body = (await get(rs, rs.metadataUrl).json()) as { scopes_supported: string[] };
    expect(body.scopes_supported).toEqual(['todos.read']);
    const challenge = (await rs.authenticate({ authorization: null })) as {
      ok: false;
      challenge: { headers: Record<string, string> };
    };
    expect(challenge.challenge.headers['www-authenticate']).toContain('scope="todos.read"');
  });

  it('allows cross-origin reads and preflights that ask for MCP-Protocol-Version', async () => {
    const rs = protect(srv);
    const response = get(rs, rs.metadataUrl, { headers: { origin: 'https://inspector.test' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = get(rs, rs.metadataUrl, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('mcp-protocol-version');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('answers 405 to methods other than GET, HEAD and OPTIONS', () => {
    const rs = protect(srv);
    expect(get(rs, rs.metadataUrl, { method: 'POST' }).status).toBe(405);
    expect(get(rs, rs.metadataUrl, { method: 'HEAD' }).status).toBe(200);
  });

  it('is served without a token by the fetch wrapper, which protects everything else', async () => {
    const handler = withBearerAuth(protect(srv), () => new Response('secret'));
    expect(
      (await handler(new Request('http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp'))).status,
    ).toBe(200);
    expect((await handler(new Request(RESOURCE, { method: 'POST' }))).status).toBe(401);
  });

  it.each([
    [{ resource: 'http://mcp.test/mcp' }, 'resource: must use https'],
    [{ resource: 'https://mcp.test/mcp?tenant=1' }, 'resource: must not contain a query'],
    [{ resource: 'https://mcp.test/mcp#x' }, 'resource: must not contain a fragment'],
    [{ issuer: 'https://as.test/' }, 'issuer: must not end with "/"'],
    [{ algorithms: ['none'] }, 'algorithms: "none" is not an allowed asymmetric JWS algorithm'],
    [{ algorithms: ['HS256'] }, 'algorithms: "HS256" is not an allowed asymmetric JWS algorithm'],
    [{ scopesSupported: ['a b'] }, 'scopesSupported[0]: must be a scope token'],
    [{ clockTolerance: -1 }, 'clockTolerance: must be a number of seconds'],
  ])('refuses the bad option %j at start-up, naming the field', (bad, message) => {
    const create = () =>
      createProtectedResource({ issuer: 'https://as.test', resource: 'https://mcp.test/mcp', ...bad });
    expect(create).toThrow(ResourceConfigError);
    expect(create).toThrow(message);
  });
});
