import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import type { SamlConnectionOptions } from '../../src/config/connections.js';

/**
 * A SAML 2.0 identity provider for tests (issue 16): RSA key pairs with self-signed certificates made
 * by openssl at start (as the test CA in test/global-setup.ts; node:crypto cannot issue X.509), its
 * metadata served over loopback HTTP, and Responses signed with xml-crypto the way real IdPs sign them
 * (an enveloped, exclusive-c14n RSA-SHA256 signature after the Assertion's Issuer). `respond` answers
 * an AuthnRequest Gatehouse sent; every field can be overridden and the signed XML rewritten (`mutate`),
 * which is how the attack tests forge what an attacker would.
 */
export interface KeyPair {
  key: string;
  cert: string;
}

export interface AssertionOptions {
  nameId?: string;
  nameIdFormat?: string;
  /** Attribute name → value. */
  attributes?: Record<string, string>;
  issuer?: string;
  audience?: string;
  recipient?: string;
  destination?: string | null;
  /** Both the Response's and the SubjectConfirmationData's; null leaves them out. */
  inResponseTo?: string | null;
  notBefore?: Date;
  notOnOrAfter?: Date;
  assertionId?: string;
  /** Sign the Assertion (default) with this key pair (default: the IdP's own). */
  signAssertion?: boolean;
  signResponse?: boolean;
  signingKey?: KeyPair;
  /** Rewrites the signed Response before it is encoded (wrapping attacks). */
  mutate?: (xml: string, parts: { assertionId: string }) => string;
}

export interface SamlIdp {
  origin: string;
  metadataUrl: string;
  entityId: string;
  keys: KeyPair;
  /** A pair the IdP's metadata does not name. */
  untrusted: KeyPair;
  /** What Gatehouse asked for: the AuthnRequest of a start redirect. */
  readRequest(startLocation: string): { id: string; acs: string; relayState: string; issuer: string };
  /** A signed Response answering the request in `startLocation`: the form fields to POST to the ACS. */
  respond(
    startLocation: string,
    options?: AssertionOptions,
  ): { acs: string; SAMLResponse: string; RelayState: string };
  /** A Response built from explicit values (unsolicited responses, foreign request IDs). */
  response(options: AssertionOptions & { acs: string; spEntityId: string }): string;
  metadataXml(): string;
  close(): Promise<void>;
}

function keyPair(dir: string, name: string): KeyPair {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  return {
    key: readFileSync(join(dir, `${name}-key.pem`), 'utf8'),
    cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
  };
}

const certBody = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');

function sign(xml: string, keys: KeyPair, target: string, after: string): string {
  const sig = new SignedXml({
    privateKey: keys.key,
    publicCert: keys.cert,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: target,
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, { location: { reference: after, action: 'after' } });
  return sig.getSignedXml();
}

export async function startSamlIdp(): Promise<SamlIdp> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-saml-idp-'));
  const keys = keyPair(dir, 'idp');
  const untrusted = keyPair(dir, 'mallory');
  rmSync(dir, { recursive: true, force: true });
  let metadata = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/metadata')
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(metadata);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${origin}/idp`;
  const metadataXml = () => `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(keys.cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${origin}/sso-post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${origin}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
  metadata = metadataXml();

  function readRequest(startLocation: string) {
    const url = new URL(startLocation);
    const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString(
      'utf8',
    );
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(xml)?.[1] ?? '';
    return {
      id: attr('ID'),
      acs: attr('AssertionConsumerServiceURL'),
      relayState: url.searchParams.get('RelayState') ?? '',
      issuer: /<saml:Issuer[^>]*>([^<]*)</.exec(xml)?.[1] ?? '',
    };
  }

  function response(o: AssertionOptions & { acs: string; spEntityId: string }): string {
    const now = Date.now();
    const assertionId = o.assertionId ?? `_a${randomBytes(16).toString('hex')}`;
    const responseId = `_r${randomBytes(16).toString('hex')}`;
    const notBefore = iso(o.notBefore ?? new Date(now - 30_000));
    const notOnOrAfter = iso(o.notOnOrAfter ?? new Date(now + 300_000));
    const irt =
      o.inResponseTo === null || o.inResponseTo === undefined ? '' : ` InResponseTo="${esc(o.inResponseTo)}"`;
    const destination = o.destination === null ? '' : ` Destination="${esc(o.destination ?? o.acs)}"`;
    const issuer = esc(o.issuer ?? entityId);
    const attributes = Object.entries(o.attributes ?? {})
      .map(
        ([name, value]) =>
          `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"><saml:AttributeValue>${value}</saml:AttributeValue></saml:Attribute>`,
      )
      .join('');
    const format = o.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
    let xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${iso(new Date(now))}"${destination}${irt}><saml:Issuer>${issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${iso(new Date(now))}"><saml:Issuer>${issuer}</saml:Issuer><saml:Subject><saml:NameID Format="${format}">${o.nameId ?? 'grace@corp.example'}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${esc(o.recipient ?? o.acs)}"${irt}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience ?? o.spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(new Date(now))}" SessionIndex="${assertionId}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>${attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : ''}</saml:Assertion></samlp:Response>`;
    const signingKey = o.signingKey ?? keys;
    if (o.signAssertion !== false) {
      xml = sign(
        xml,
        signingKey,
        `//*[local-name(.)='Assertion']`,
        `//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']`,
      );
    }
    if (o.signResponse)
      xml = sign(xml, signingKey, `/*[local-name(.)='Response']`, `/*/*[local-name(.)='Issuer']`);
    return o.mutate ? o.mutate(xml, { assertionId }) : xml;
  }

  return {
    origin,
    metadataUrl: `${origin}/metadata`,
    entityId,
    keys,
    untrusted,
    readRequest,
    respond(startLocation, options = {}) {
      const request = readRequest(startLocation);
      const xml = response({
        inResponseTo: request.id,
        ...options,
        acs: request.acs,
        spEntityId: request.issuer,
      });
      return {
        acs: request.acs,
        SAMLResponse: Buffer.from(xml).toString('base64'),
        RelayState: request.relayState,
      };
    },
    response,
    metadataXml,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Gatehouse's connection options for this IdP. */
export function samlConnection(
  idp: SamlIdp,
  overrides: Partial<SamlConnectionOptions> = {},
): SamlConnectionOptions {
  return {
    id: 'acme',
    type: 'saml',
    name: 'Acme',
    metadata_url: idp.metadataUrl,
    allowLoopback: true,
    ...overrides,
  };
}
