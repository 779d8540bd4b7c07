/**
 * The checks a SAML Response must pass besides its signature (saml-acs.ts runs them in order):
 * 1. `checkShape` on the document as received, before node-saml looks at it: the shape that leaves no
 *    room for XML signature wrapping — one Response (core §3.2.2) holding exactly one Assertion and no
 *    EncryptedAssertion anywhere; every ds:Signature a direct child of the Response or the Assertion;
 *    the Assertion's own Signature with exactly one Reference, to `#{its ID}` (core §5.4.2); no two
 *    elements with the same ID; Status Success; Destination our ACS URL (core §3.2.2, bindings
 *    §3.5.5.2); InResponseTo our AuthnRequest's ID (core §3.2.2, profiles §4.1.4.2); an Issuer, if
 *    present, the IdP's entityID; NameID, AttributeValue, Issuer and Audience text only (no comment:
 *    `user@evil.com<!---->.attacker.com`).
 * 2. `readVerified` on the assertion node-saml verified (the signed bytes as xml-crypto canonicalised
 *    them; nothing else of the document is read): the same ID as the one checked in step 1; Issuer the
 *    IdP (core §2.3.3); a NameID, whose text equals the received one (a comment dropped by
 *    canonicalisation would make them differ); a bearer SubjectConfirmation whose Data has Recipient =
 *    our ACS URL, InResponseTo = our request, NotOnOrAfter in the future (profiles §4.1.4.2-3);
 *    Conditions NotBefore / NotOnOrAfter (core §2.5.1.2) within the clock skew; every
 *    AudienceRestriction naming our entity ID (core §2.5.1.4); an AuthnStatement (profiles §4.1.4.2).
 */
import { children, descendants, idValues, NS, onlyChild, parseXml, plainText } from './saml-xml.js';

export const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
export const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const TRANSIENT_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

/** A refusal with a reason code for the audit trail (never the assertion's contents). */
export class SamlRefusal extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Expected {
  acsUrl: string;
  requestId: string;
  idpEntityId: string;
  spEntityId: string;
  now: number;
  skewMs: number;
}

export interface Received {
  assertionId: string;
  nameId: string;
  /** Attribute name → the text of its first value, as received. */
  attributes: Map<string, string>;
}

function refuse(reason: string, message: string): never {
  throw new SamlRefusal(reason, message);
}

function attributeTexts(assertion: Element): Map<string, string> {
  const out = new Map<string, string>();
  for (const attribute of descendants(assertion, NS.assertion, 'Attribute')) {
    const name = attribute.getAttribute('Name') ?? '';
    const value = children(attribute, NS.assertion, 'AttributeValue')[0];
    if (name && value && !out.has(name)) out.set(name, plainText(value));
  }
  return out;
}

function checkSignatures(doc: Document, response: Element, assertion: Element, id: string): void {
  for (const signature of descendants(doc, NS.dsig, 'Signature')) {
    if (signature.parentNode !== response && signature.parentNode !== assertion)
      refuse('signature_placement', 'a signature is not where SAML puts one');
  }
  const own = children(assertion, NS.dsig, 'Signature');
  if (own.length !== 1) refuse('assertion_not_signed', 'the assertion is not signed once');
  const references = descendants(own[0]!, NS.dsig, 'Reference');
  if (references.length !== 1 || references[0]!.getAttribute('URI') !== `#${id}`)
    refuse('signature_reference', 'the assertion signature does not cover exactly the assertion');
}

/** Step 1 (see the header): the received document's shape. */
export function checkShape(xml: string, x: Expected): { doc: Document; received: Received } {
  const doc = parseXml(xml);
  const response = doc.documentElement;
  if (response.namespaceURI !== NS.protocol || response.localName !== 'Response')
    refuse('not_a_response', 'this is not a SAML Response');
  const status = onlyChild(response, NS.protocol, 'Status');
  const code = status ? onlyChild(status, NS.protocol, 'StatusCode') : undefined;
  if (code?.getAttribute('Value') !== SUCCESS) refuse('status', 'the identity provider did not sign you in');
  if (descendants(doc, NS.assertion, 'EncryptedAssertion').length > 0)
    refuse('encrypted_assertion', 'encrypted assertions are not supported');
  const assertions = descendants(doc, NS.assertion, 'Assertion');
  if (assertions.length !== 1 || assertions[0]!.parentNode !== response)
    refuse('assertion_count', 'the response must hold exactly one assertion');
  const assertion = assertions[0]!;
  const ids = idValues(doc);
  if (new Set(ids).size !== ids.length) refuse('duplicate_id', 'two elements have the same ID');
  const id = assertion.getAttribute('ID') ?? '';
  if (!id) refuse('assertion_id', 'the assertion has no ID');
  checkSignatures(doc, response, assertion, id);
  if (response.getAttribute('Destination') !== x.acsUrl)
    refuse('destination', 'the response is for another service');
  if (response.getAttribute('InResponseTo') !== x.requestId)
    refuse('in_response_to', 'the response does not answer this sign-in');
  const issuer = onlyChild(response, NS.assertion, 'Issuer');
  if (issuer && plainText(issuer) !== x.idpEntityId)
    refuse('issuer', 'the response is from another identity provider');
  const texts = [
    ...descendants(assertion, NS.assertion, 'NameID'),
    ...descendants(assertion, NS.assertion, 'Issuer'),
    ...descendants(assertion, NS.assertion, 'Audience'),
  ];
  for (const el of texts) plainText(el);
  const subject = onlyChild(assertion, NS.assertion, 'Subject');
  const nameId = subject ? onlyChild(subject, NS.assertion, 'NameID') : undefined;
  return {
    doc,
    received: {
      assertionId: id,
      nameId: nameId ? plainText(nameId) : '',
      attributes: attributeTexts(assertion),
    },
  };
}

function time(el: Element, name: string): number | undefined {
  const value = el.getAttribute(name);
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) || Number.isNaN(ms))
    refuse('malformed_time', `${name} is not a UTC time`);
  return ms;
}

function checkWindow(el: Element, x: Expected, what: string): number | undefined {
  const notBefore = time(el, 'NotBefore');
  const notOnOrAfter = time(el, 'NotOnOrAfter');
  if (notBefore !== undefined && notBefore > x.now + x.skewMs)
    refuse('not_yet_valid', `the ${what} is not valid yet`);
  if (notOnOrAfter !== undefined && notOnOrAfter <= x.now - x.skewMs)
    refuse('expired', `the ${what} has expired`);
  return notOnOrAfter;
}

/** The bearer confirmation for us (profiles §4.1.4.2); its NotOnOrAfter. */
function confirmation(subject: Element, x: Expected): number {
  const bearer = children(subject, NS.assertion, 'SubjectConfirmation').filter(
    (s) => s.getAttribute('Method') === BEARER,
  );
  if (bearer.length === 0) refuse('no_bearer_confirmation', 'the assertion has no bearer confirmation');
  let problem: SamlRefusal | undefined;
  for (const s of bearer) {
    try {
      const data = onlyChild(s, NS.assertion, 'SubjectConfirmationData');
      if (!data) refuse('no_bearer_confirmation', 'the bearer confirmation has no data');
      if (data.getAttribute('Recipient') !== x.acsUrl)
        refuse('recipient', 'the assertion is for another service');
      if (data.getAttribute('InResponseTo') !== x.requestId)
        refuse('in_response_to', 'the assertion does not answer this sign-in');
      const until = checkWindow(data, x, 'assertion');
      if (until === undefined) refuse('no_not_on_or_after', 'the bearer confirmation has no NotOnOrAfter');
      return until;
    } catch (error) {
      if (!(error instanceof SamlRefusal)) throw error;
      problem ??= error;
    }
  }
  throw problem!;
}

function checkAudience(conditions: Element, x: Expected): void {
  const restrictions = children(conditions, NS.assertion, 'AudienceRestriction');
  if (restrictions.length === 0) refuse('audience', 'the assertion names no audience');
  for (const r of restrictions) {
    if (!children(r, NS.assertion, 'Audience').some((a) => plainText(a) === x.spEntityId))
      refuse('audience', 'the assertion is for another service');
  }
}

/**
 * Step 2 (see the header): what the verified assertion says, checked against the received one.
 * Returns the received values (equal to the verified ones) and until when the assertion could be replayed.
 */
export function readVerified(verifiedXml: string, received: Received, x: Expected) {
  const assertion = parseXml(verifiedXml).documentElement;
  if (assertion.namespaceURI !== NS.assertion || assertion.localName !== 'Assertion')
    refuse('wrapped', 'the signed element is not the assertion');
  if (assertion.getAttribute('ID') !== received.assertionId)
    refuse('wrapped', 'the signed assertion is not the one read');
  const issuer = onlyChild(assertion, NS.assertion, 'Issuer');
  if (!issuer || plainText(issuer) !== x.idpEntityId)
    refuse('issuer', 'the assertion is from another identity provider');
  const subject = onlyChild(assertion, NS.assertion, 'Subject');
  const nameIdEl = subject ? onlyChild(subject, NS.assertion, 'NameID') : undefined;
  if (!subject || !nameIdEl) refuse('no_subject', 'the assertion names no one');
  const nameId = plainText(nameIdEl);
  if (!nameId || nameId !== received.nameId)
    refuse('name_id_mismatch', 'the NameID read differs from the one signed');
  const subjectUntil = confirmation(subject, x);
  const conditions = onlyChild(assertion, NS.assertion, 'Conditions');
  if (!conditions) refuse('audience', 'the assertion has no conditions');
  const conditionsUntil = checkWindow(conditions, x, 'assertion');
  checkAudience(conditions, x);
  if (children(assertion, NS.assertion, 'AuthnStatement').length === 0)
    refuse('no_authn_statement', 'the assertion does not say you signed in');
  const attributes = attributeTexts(assertion);
  for (const [name, value] of attributes) {
    if (received.attributes.get(name) !== value)
      refuse('attribute_mismatch', 'an attribute read differs from the one signed');
  }
  return {
    nameId,
    nameIdFormat: nameIdEl.getAttribute('Format') ?? '',
    attributes,
    replayUntil: Math.max(subjectUntil, conditionsUntil ?? subjectUntil) + x.skewMs,
  };
}
