import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkShape, type Expected, SamlRefusal } from '../../src/connections/saml-checks.js';
import { parseIdpMetadata } from '../../src/connections/saml-metadata.js';
import { NS, parseXml, plainText, XmlRefused } from '../../src/connections/saml-xml.js';

/**
 * The SAML parsers written for Gatehouse (issue 16) as properties: IdP metadata (saml-metadata.ts), the
 * received Response's shape check (saml-checks.ts) and the text-only reading of NameID / attribute
 * values (saml-xml.ts). Any input yields a value or an XmlRefused / SamlRefusal naming a reason, never
 * another exception (an unexpected exception at the ACS would be a 500); a comment anywhere inside a
 * text-only element is refused, whatever surrounds it.
 */
const refusal = (error: unknown) => error instanceof XmlRefused || error instanceof SamlRefusal;

const fragments = fc.constantFrom(
  '<',
  '>',
  '/>',
  '</',
  '<!---->',
  '<!--x-->',
  '<![CDATA[a]]>',
  '<?pi x?>',
  '&amp;',
  '&#0;',
  '&bogus;',
  '"',
  ' ID="_a"',
  '<!DOCTYPE x>',
  `<md:EntityDescriptor xmlns:md="${NS.metadata}" entityID="https://idp.example">`,
  '</md:EntityDescriptor>',
  '<md:IDPSSODescriptor>',
  '</md:IDPSSODescriptor>',
  '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>',
  `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="${NS.dsig}"><ds:X509Data><ds:X509Certificate>`,
  'MIIB',
  '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>',
  `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" Destination="https://sp/acs" InResponseTo="_r">`,
  '</samlp:Response>',
  '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>',
  '<saml:Assertion ID="_a">',
  '</saml:Assertion>',
  '<saml:NameID>',
  '</saml:NameID>',
  `<Signature xmlns="${NS.dsig}"><SignedInfo><Reference URI="#_a"/></SignedInfo></Signature>`,
);
const documents = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc
    .array(fc.oneof(fragments, fc.string({ maxLength: 8 })), { maxLength: 25 })
    .map((parts) => parts.join('')),
);

const EXPECTED: Expected = {
  acsUrl: 'https://sp/acs',
  requestId: '_r',
  idpEntityId: 'https://idp.example',
  spEntityId: 'https://sp/metadata',
  now: Date.now(),
  skewMs: 60_000,
};

describe('SAML parsers', () => {
  it('IdP metadata: any document is read or refused with a reason', () => {
    fc.assert(
      fc.property(documents, (xml) => {
        try {
          const metadata = parseIdpMetadata(xml);
          expect(metadata.entityId).not.toBe('');
          expect(metadata.certificates.length).toBeGreaterThan(0);
          expect(() => new URL(metadata.ssoUrl)).not.toThrow();
        } catch (error) {
          expect(refusal(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('Response shape: any document passes with one signed assertion or is refused with a reason', () => {
    fc.assert(
      fc.property(documents, (xml) => {
        try {
          const { received } = checkShape(xml, EXPECTED);
          expect(received.assertionId).not.toBe('');
        } catch (error) {
          expect(refusal(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('text-only elements: a comment, processing instruction or element anywhere inside is refused', () => {
    const text = fc.stringMatching(/^[a-zA-Z0-9@. _-]{0,20}$/);
    const intruder = fc.constantFrom('<!---->', '<!--x-->', '<?pi?>', '<b/>', '<b>y</b>');
    fc.assert(
      fc.property(text, intruder, text, (before, inside, after) => {
        const doc = parseXml(`<NameID>${before}${inside}${after}</NameID>`);
        expect(() => plainText(doc.documentElement)).toThrow(XmlRefused);
      }),
    );
    fc.assert(
      fc.property(text, (value) => {
        const doc = parseXml(`<NameID>${value}<![CDATA[${value}]]></NameID>`);
        expect(plainText(doc.documentElement)).toBe(`${value}${value}`);
      }),
    );
  });
});
