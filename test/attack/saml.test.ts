import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { type AssertionOptions, type SamlIdp, samlConnection, startSamlIdp } from '../helpers/saml-idp.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { beginUpstreamSignIn, continueToClient } from '../helpers/upstream-flow.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * Issue 16: every rule that keeps someone out of a Gatehouse account through a SAML identity provider,
 * against a test IdP that signs with xml-crypto (test/helpers/saml-idp.ts). The forged responses are
 * what an attacker holding one genuinely signed assertion (their own) could build. Each is refused with
 * the error page (4xx, never a redirect or a 500) and a `connection.saml.refused` audit event naming
 * the reason; none signs anyone in or creates a user. Store-backed: run with GATEHOUSE_TEST_DATABASE=postgres too.
 */
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const MALLORY = {
  nameId: 'mallory-1',
  nameIdFormat: PERSISTENT,
  attributes: { email: 'mallory@corp.example' },
};

describe('SAML service provider: attacks', () => {
  let idp: SamlIdp;
  let srv: TestServer;

  beforeAll(async () => {
    idp = await startSamlIdp();
    srv = await startServer(() => ({
      ...baseOptions(),
      connections: [
        samlConnection(idp, { trustEmailVerified: true }),
        samlConnection(idp, { id: 'off', name: 'Retired IdP', enabled: false }),
      ],
    }));
  });
  afterAll(async () => {
    await srv?.close();
    await idp?.close();
  });

  async function reasons(): Promise<string[]> {
    const events = await srv.gh.store.listAuditEvents({ type: 'connection.saml.refused', limit: 500 });
    return events.map((e) => String(e.detail?.['reason']));
  }

  async function post(acs: string, fields: Record<string, string>) {
    const response = await fetch(acs, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: idp.origin },
      body: new URLSearchParams(fields),
    });
    return {
      status: response.status,
      location: response.headers.get('location'),
      body: await response.text(),
    };
  }

  /** Starts a sign-in and answers it with a response built with `options`. */
  async function answer(options: AssertionOptions) {
    const flow = await beginUpstreamSignIn(srv, 'Acme');
    const form = idp.respond(flow.upstreamUrl, options);
    return {
      flow,
      form,
      result: await post(form.acs, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState }),
    };
  }

  /** The attempt was refused with a page and audited with `reason`. */
  async function expectRefused(result: Awaited<ReturnType<typeof post>>, reason: string, before: string[]) {
    expect(result.status, result.body.slice(0, 300)).toBeGreaterThanOrEqual(400);
    expect(result.status).toBeLessThan(500);
    expect(result.location).toBeNull();
    expect(result.body).toContain('<html');
    expect(result.body).not.toContain('mallory');
    const after = await reasons();
    expect(after.length).toBe(before.length + 1);
    expect(after.filter((r) => r === reason).length, `audited reasons: ${after.join(', ')}`).toBe(
      before.filter((r) => r === reason).length + 1,
    );
  }

  async function refusedWith(options: AssertionOptions, reason: string) {
    const before = await reasons();
    const { result } = await answer(options);
    await expectRefused(result, reason, before);
    expect(await srv.gh.store.getUserByEmail('mallory@corp.example')).toBeUndefined();
  }

  /** The signed assertion of `xml`, and an unsigned copy saying the victim's name. */
  function split(xml: string) {
    const signed = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)![0];
    const evil = signed
      .replace(/<Signature[\s\S]*<\/Signature>/, '')
      .replace('mallory-1', 'ada-1')
      .replace('mallory@corp.example', USER.email);
    return { signed, evil };
  }

  it('accepts the unmodified response (the baseline every attack below starts from)', async () => {
    const { flow, result } = await answer({
      ...MALLORY,
      nameId: 'baseline',
      attributes: { email: 'base@corp.example' },
    });
    expect(result.status).toBe(303);
    const done = await continueToClient(flow.agent, await flow.agent.request(result.location!));
    expect(done.location?.searchParams.get('code')).toBeTruthy();
  });

  describe('XML signature wrapping', () => {
    it('refuses an unsigned assertion beside the signed one', async () => {
      await refusedWith(
        {
          ...MALLORY,
          mutate: (xml) => {
            const { signed, evil } = split(xml);
            return xml.replace(signed, `${evil.replace(/ID="[^"]+"/, 'ID="_evil"')}${signed}`);
          },
        },
        'assertion_count',
      );
    });

    it('refuses the signed assertion moved into an Extensions wrapper with an evil one in its place', async () => {
      await refusedWith(
        {
          ...MALLORY,
          mutate: (xml) => {
            const { signed, evil } = split(xml);
            return xml
              .replace(signed, evil)
              .replace('<samlp:Status>', `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`);
          },
        },
        'assertion_count',
      );
    });

    it("refuses the signed assertion hidden in the evil assertion's ds:Object", async () => {
      await refusedWith(
        {
          ...MALLORY,
          mutate: (xml) => {
            const { signed, evil } = split(xml);
            const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
            const wrapped = signature.replace('</Signature>', `<Object>${signed}</Object></Signature>`);
            return xml.replace(signed, evil.replace('</saml:Issuer>', `</saml:Issuer>${wrapped}`));
          },
        },
        'assertion_count',
      );
    });

    it('refuses a document where another element carries the signed assertion ID', async () => {
      await refusedWith(
        {
          ...MALLORY,
          mutate: (xml, { assertionId }) =>
            xml.replace('<samlp:Status>', `<samlp:Extensions ID="${assertionId}"/><samlp:Status>`),
        },
        'duplicate_id',
      );
    });

    it('refuses a signature placed outside the Response and the Assertion', async () => {
      await refusedWith(
        {
          ...MALLORY,
          mutate: (xml) => {
            const { signed } = split(xml);
            const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
            return xml
              .replace(signature, '')
              .replace('<samlp:Status>', `<samlp:Extensions>${signature}</samlp:Extensions><samlp:Status>`);
          },
        },
        'signature_placement',
      );
    });
  });

  it('refuses a comment in the NameID (user@evil.com<!---->.attacker.com)', async () => {
    await refusedWith({ nameId: `${USER.email}<!---->.attacker.com`, attributes: {} }, 'comment_in_text');
    expect(await srv.gh.store.getUserByEmail(`${USER.email}.attacker.com`)).toBeUndefined();
  });

  it('refuses a comment in the e-mail attribute', async () => {
    await refusedWith(
      {
        nameId: 'mallory-1',
        nameIdFormat: PERSISTENT,
        attributes: { email: `${USER.email}<!---->.attacker.com` },
      },
      'comment_in_text',
    );
  });

  it('refuses an unsigned assertion inside a signed response', async () => {
    await refusedWith({ ...MALLORY, signAssertion: false, signResponse: true }, 'assertion_not_signed');
  });

  it('refuses an assertion signed by a key the metadata does not name', async () => {
    await refusedWith({ ...MALLORY, signingKey: idp.untrusted }, 'signature');
  });

  it('refuses an assertion the trusted key signed for another issuer', async () => {
    await refusedWith({ ...MALLORY, issuer: 'https://other-idp.example/' }, 'issuer');
  });

  it('refuses an expired assertion, beyond the 60 s clock skew only', async () => {
    await refusedWith(
      { ...MALLORY, notBefore: new Date(Date.now() - 600_000), notOnOrAfter: new Date(Date.now() - 90_000) },
      'expired',
    );
    const { result } = await answer({
      ...MALLORY,
      nameId: 'skew-past',
      attributes: { email: 'skew-past@corp.example' },
      notBefore: new Date(Date.now() - 600_000),
      notOnOrAfter: new Date(Date.now() - 20_000),
    });
    expect(result.status).toBe(303);
  });

  it('refuses an assertion whose NotBefore is in the future beyond the skew', async () => {
    await refusedWith({ ...MALLORY, notBefore: new Date(Date.now() + 120_000) }, 'not_yet_valid');
    const { result } = await answer({
      ...MALLORY,
      nameId: 'skew-future',
      attributes: { email: 'skew-future@corp.example' },
      notBefore: new Date(Date.now() + 20_000),
    });
    expect(result.status).toBe(303);
  });

  it('refuses an assertion for another audience', async () => {
    await refusedWith({ ...MALLORY, audience: 'https://other-sp.example/metadata' }, 'audience');
  });

  it('refuses a wrong Recipient, and a wrong or missing Destination', async () => {
    await refusedWith({ ...MALLORY, recipient: 'https://other-sp.example/acs' }, 'recipient');
    await refusedWith({ ...MALLORY, destination: 'https://other-sp.example/acs' }, 'destination');
    await refusedWith({ ...MALLORY, destination: null }, 'destination');
  });

  it('refuses a response to another AuthnRequest, one without InResponseTo, and an unsolicited one', async () => {
    await refusedWith({ ...MALLORY, inResponseTo: '_someone-elses-request' }, 'in_response_to');
    await refusedWith({ ...MALLORY, inResponseTo: null }, 'in_response_to');
    const before = await reasons();
    const acs = `${srv.issuer}/connections/acme/saml/acs`;
    const xml = idp.response({
      ...MALLORY,
      acs,
      spEntityId: `${srv.issuer}/connections/acme/saml/metadata`,
      inResponseTo: null,
    });
    const result = await post(acs, { SAMLResponse: Buffer.from(xml).toString('base64') });
    await expectRefused(result, 'unsolicited', before);
  });

  it('refuses a replayed assertion, before and after its sign-in completed', async () => {
    const { flow, form, result } = await answer({
      ...MALLORY,
      nameId: 'replay',
      attributes: { email: 'replay@corp.example' },
    });
    expect(result.status).toBe(303);
    let before = await reasons();
    await expectRefused(
      await post(form.acs, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState }),
      'replayed',
      before,
    );
    await continueToClient(flow.agent, await flow.agent.request(result.location!));
    before = await reasons();
    await expectRefused(
      await post(form.acs, { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState }),
      'replayed',
      before,
    );
  });

  it('finishes only in the browser that started the sign-in (login CSRF), and once', async () => {
    const { flow, result } = await answer({
      ...MALLORY,
      nameId: 'csrf',
      attributes: { email: 'csrf@corp.example' },
    });
    const victim = new UserAgent(srv.origin);
    let before = await reasons();
    const bare = await victim.request(result.location!);
    await expectRefused(
      { status: bare.status, location: bare.headers.get('location'), body: await bare.text() },
      'no_binding',
      before,
    );
    // The victim has a binding cookie of their own, from a sign-in they started.
    await beginUpstreamSignIn(srv, 'Acme', victim);
    before = await reasons();
    const bound = await victim.request(result.location!);
    await expectRefused(
      { status: bound.status, location: bound.headers.get('location'), body: await bound.text() },
      'another_browser_or_used',
      before,
    );
    expect(await srv.gh.store.getUserByEmail('csrf@corp.example')).toBeUndefined();
    // The browser that started it still can.
    const done = await continueToClient(flow.agent, await flow.agent.request(result.location!));
    expect(done.location?.searchParams.get('code')).toBeTruthy();
    before = await reasons();
    const again = await flow.agent.request(result.location!);
    await expectRefused(
      { status: again.status, location: again.headers.get('location'), body: await again.text() },
      'another_browser_or_used',
      before,
    );
  });

  it('refuses a forged finish ticket', async () => {
    const before = await reasons();
    const forged = await new UserAgent(srv.origin).request(
      `${srv.issuer}/connections/acme/saml/finish?ticket=AAAA.BBBB`,
    );
    await expectRefused(
      { status: forged.status, location: forged.headers.get('location'), body: await forged.text() },
      'bad_ticket',
      before,
    );
  });

  it('refuses a transient NameID, which cannot identify a returning person', async () => {
    await refusedWith(
      {
        nameId: '_f00',
        nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
        attributes: { email: 'mallory@corp.example' },
      },
      'transient_name_id',
    );
  });

  it('refuses a response with a DOCTYPE (entity expansion) before parsing it', async () => {
    await refusedWith(
      { ...MALLORY, mutate: (xml) => `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>${xml}` },
      'malformed',
    );
  });

  it('a disabled connection has no button, and its ACS refuses with an audit event', async () => {
    const flow = await beginUpstreamSignIn(srv, 'Acme');
    expect(flow.page).not.toContain('Retired IdP');
    const before = await reasons();
    const acs = `${srv.issuer}/connections/off/saml/acs`;
    const xml = idp.response({ ...MALLORY, acs, spEntityId: `${srv.issuer}/connections/off/saml/metadata` });
    const result = await post(acs, { SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: 'x' });
    expect(result.status).toBe(403);
    expect(result.body).toContain('turned off');
    await expectRefused(result, 'disabled', before);
  });

  it('answers a HEAD or GET on the ACS with 405, spending nothing', async () => {
    const acs = `${srv.issuer}/connections/acme/saml/acs`;
    expect((await fetch(acs, { method: 'HEAD' })).status).toBe(405);
    expect((await fetch(acs)).status).toBe(405);
  });
});
