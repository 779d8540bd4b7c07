import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConnections } from '../../../src/operations/connections.js';
import { baseOptions, RESOURCE, USER } from '../../helpers/fixtures.js';
import { NATIVE_REDIRECT, redeem } from '../../helpers/oauth.js';
import { type SamlIdp, samlConnection, startSamlIdp } from '../../helpers/saml-idp.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { beginUpstreamSignIn, continueToClient } from '../../helpers/upstream-flow.js';

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/**
 * Issue 16: signing in through a SAML 2.0 identity provider (a test IdP signing with xml-crypto, its
 * metadata served over loopback HTTP), from the "Continue with Acme" button to a Gatehouse access token
 * for the MCP resource, with the authorization request intact across the round trip. The IdP's POST to
 * the ACS carries no cookie, as a browser's cross-site POST would not carry the SameSite=Lax binding.
 */
describe('sign-in with a SAML identity provider', () => {
  let idp: SamlIdp;
  let srv: TestServer;

  beforeAll(async () => {
    idp = await startSamlIdp();
    srv = await startServer(() => ({
      ...baseOptions(),
      connections: [
        samlConnection(idp, { trustEmailVerified: true }),
        samlConnection(idp, {
          id: 'inline',
          name: 'Acme inline',
          metadata_url: undefined,
          metadata_xml: idp.metadataXml(),
        }),
      ],
    }));
  });
  afterAll(async () => {
    await srv?.close();
    await idp?.close();
  });

  /** The IdP's auto-posted form, without cookies, then Gatehouse's redirect followed in the browser. */
  async function postToAcs(form: { acs: string; SAMLResponse: string; RelayState: string }) {
    return fetch(form.acs, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: idp.origin },
      body: new URLSearchParams({ SAMLResponse: form.SAMLResponse, RelayState: form.RelayState }),
    });
  }

  it('publishes SP metadata naming its entity ID, its ACS URL and that assertions must be signed', async () => {
    const response = await fetch(`${srv.issuer}/connections/acme/saml/metadata`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await response.text();
    expect(xml).toContain(`entityID="${srv.issuer}/connections/acme/saml/metadata"`);
    expect(xml).toContain(`Location="${srv.issuer}/connections/acme/saml/acs"`);
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(xml).toContain('WantAssertionsSigned="true"');
  });

  it('shows administrators what to register at the IdP (operations view), and nothing else of the IdP', async () => {
    const views = await listConnections(srv.gh.context);
    expect(views.find((v) => v.id === 'acme')).toMatchObject({
      type: 'saml',
      source: 'config',
      metadata_url: idp.metadataUrl,
      sp_entity_id: `${srv.issuer}/connections/acme/saml/metadata`,
      acs_url: `${srv.issuer}/connections/acme/saml/acs`,
    });
    expect(views.find((v) => v.id === 'inline')).not.toHaveProperty('metadata_url');
  });

  it('sends an AuthnRequest over HTTP-Redirect with an opaque RelayState', async () => {
    const flow = await beginUpstreamSignIn(srv, 'Acme');
    const url = new URL(flow.upstreamUrl);
    expect(url.origin + url.pathname).toBe(`${idp.origin}/sso`);
    const request = idp.readRequest(flow.upstreamUrl);
    expect(request.acs).toBe(`${srv.issuer}/connections/acme/saml/acs`);
    expect(request.issuer).toBe(`${srv.issuer}/connections/acme/saml/metadata`);
    expect(request.id).toMatch(/^_[A-Za-z0-9_-]{43}$/);
    expect(request.relayState).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(flow.upstreamUrl).not.toContain(encodeURIComponent(flow.state));
  });

  it('creates the user just in time and completes the code flow to an access token', async () => {
    const flow = await beginUpstreamSignIn(srv, 'Acme');
    const form = idp.respond(flow.upstreamUrl, {
      nameId: 'grace-0001',
      nameIdFormat: PERSISTENT,
      attributes: { email: 'Grace@Corp.example' },
    });
    const acs = await postToAcs(form);
    expect(acs.status).toBe(303);
    const finish = new URL(acs.headers.get('location')!, srv.origin);
    expect(finish.pathname).toBe(new URL(`${srv.issuer}/connections/acme/saml/finish`).pathname);
    const done = await continueToClient(flow.agent, await flow.agent.request(finish.href));
    expect(done.location, done.pages.at(-1)?.slice(0, 400)).toBeDefined();
    expect(`${done.location!.origin}${done.location!.pathname}`).toBe(NATIVE_REDIRECT);
    expect(done.location!.searchParams.get('state')).toBe(flow.state);
    const tokens = await redeem(srv, {
      code: done.location!.searchParams.get('code'),
      verifier: flow.verifier,
    });
    expect(tokens.status).toBe(200);
    const claims = decodeJwt(tokens.body.access_token);
    expect(claims.aud).toBe(RESOURCE);
    const user = await srv.gh.store.getUserByEmail('grace@corp.example');
    expect(claims.sub).toBe(user!.id);
    expect(user!.emailVerified).toBe(true);
    const links = await srv.gh.store.listLinkedIdentities(user!.id);
    expect(links.map((l) => [l.issuer, l.subject, l.connectionId])).toEqual([
      [idp.entityId, 'grace-0001', 'acme'],
    ]);
  });

  it('signs in again through the link (NameID), whatever the e-mail', async () => {
    const user = await srv.gh.store.getUserByEmail('grace@corp.example');
    const flow = await beginUpstreamSignIn(srv, 'Acme');
    const form = idp.respond(flow.upstreamUrl, {
      nameId: 'grace-0001',
      nameIdFormat: PERSISTENT,
      attributes: { email: 'grace.hopper@corp.example' },
    });
    const acs = await postToAcs(form);
    const done = await continueToClient(flow.agent, await flow.agent.request(acs.headers.get('location')!));
    const tokens = await redeem(srv, {
      code: done.location!.searchParams.get('code'),
      verifier: flow.verifier,
    });
    expect(decodeJwt(tokens.body.access_token).sub).toBe(user!.id);
  });

  it('reads the e-mail from an emailAddress NameID, and from inline metadata', async () => {
    const flow = await beginUpstreamSignIn(srv, 'Acme inline');
    const form = idp.respond(flow.upstreamUrl, { nameId: 'katherine@corp.example' });
    expect(form.acs).toBe(`${srv.issuer}/connections/inline/saml/acs`);
    const acs = await postToAcs(form);
    const done = await continueToClient(flow.agent, await flow.agent.request(acs.headers.get('location')!));
    expect(done.location?.searchParams.get('code')).toBeTruthy();
    const user = await srv.gh.store.getUserByEmail('katherine@corp.example');
    // The inline connection does not trust the IdP's e-mail: a new user, not verified.
    expect(user?.emailVerified).toBe(false);
  });

  it('an untrusted e-mail matching an existing user is a collision: the password links it explicitly', async () => {
    const flow = await beginUpstreamSignIn(srv, 'Acme inline');
    const form = idp.respond(flow.upstreamUrl, {
      nameId: 'ada-77',
      nameIdFormat: PERSISTENT,
      attributes: { email: USER.email },
    });
    const acs = await postToAcs(form);
    const page = await flow.agent.request(acs.headers.get('location')!);
    expect(page.status).toBe(409);
    const html = await page.text();
    expect(html).toContain('name="password"');
    const ada = await srv.gh.store.getUserByEmail(USER.email);
    expect(await srv.gh.store.listLinkedIdentities(ada!.id)).toEqual([]);
    const linked = await flow.agent.submit(html, { password: USER.password });
    const done = await continueToClient(flow.agent, linked);
    expect(done.location?.searchParams.get('code')).toBeTruthy();
    const links = await srv.gh.store.listLinkedIdentities(ada!.id);
    expect(links.map((l) => [l.issuer, l.subject, l.connectionId])).toEqual([
      [idp.entityId, 'ada-77', 'inline'],
    ]);
  });
});

describe('SAML identity provider metadata fetching', () => {
  let srv: TestServer;
  let metadataServer: Server;
  let base = '';
  let idp: SamlIdp;

  beforeAll(async () => {
    idp = await startSamlIdp();
    metadataServer = createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: idp.metadataUrl }).end();
      else if (req.url === '/big') res.writeHead(200).end(`<x>${'a'.repeat(1_100_000)}</x>`);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;
    srv = await startServer(() => ({
      ...baseOptions(),
      connections: [
        samlConnection(idp, { id: 'moved', name: 'Moved', metadata_url: `${base}/redirect` }),
        samlConnection(idp, { id: 'huge', name: 'Huge', metadata_url: `${base}/big` }),
      ],
    }));
  });
  afterAll(async () => {
    await srv?.close();
    await idp?.close();
    metadataServer?.closeAllConnections();
    await new Promise<void>((resolve) => metadataServer?.close(() => resolve()));
  });

  it.each([
    ['a redirect (not followed)', 'moved'],
    ['a document over the size cap', 'huge'],
  ])('answers a start whose metadata is %s with a 503 page, not a redirect', async (_label, id) => {
    const response = await fetch(`${srv.issuer}/connections/${id}/start`, { redirect: 'manual' });
    expect(response.status).toBe(503);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('cannot be reached right now');
  });
});
