/**
 * The few DOM helpers the SAML code reads XML with (@xmldom/xmldom, the parser node-saml and
 * xml-crypto use, so every check sees the same tree they verified). Documents with a DOCTYPE are
 * refused before parsing (no entities, no internal subset: SAML core §1.3 never needs them), and any
 * parser warning or error is a refusal, not a best-effort tree.
 */
import { xmldom } from './libraries.js';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

export class XmlRefused extends Error {
  constructor(
    message: string,
    /** The audit reason code. */
    readonly reason = 'malformed',
  ) {
    super(message);
  }
}

/** Parses `xml` strictly; throws XmlRefused for a DOCTYPE, a parse error or a non-element root. */
export function parseXml(xml: string): Document {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) throw new XmlRefused('DOCTYPE not allowed');
  const fail = (message: string) => {
    throw new XmlRefused(`malformed XML: ${String(message).slice(0, 200)}`);
  };
  const { DOMParser } = xmldom();
  let doc: Document;
  try {
    doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(
      xml,
      'text/xml',
    ) as unknown as Document;
  } catch (error) {
    if (error instanceof XmlRefused) throw error;
    throw new XmlRefused(`malformed XML: ${(error as Error).message.slice(0, 200)}`);
  }
  if (!doc?.documentElement) throw new XmlRefused('no root element');
  return doc;
}

/** Every element below `root` (depth first, `root` included) with this namespace and local name. */
export function descendants(root: Element | Document, ns: string, local: string): Element[] {
  const out: Element[] = [];
  const walk = (node: Node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType !== ELEMENT) continue;
      const el = child as Element;
      if (el.namespaceURI === ns && el.localName === local) out.push(el);
      walk(el);
    }
  };
  if (root.nodeType === ELEMENT) {
    const el = root as Element;
    if (el.namespaceURI === ns && el.localName === local) out.push(el);
  }
  walk(root);
  return out;
}

/** The direct children of `parent` with this namespace and local name. */
export function children(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== ELEMENT) continue;
    const el = child as Element;
    if (el.namespaceURI === ns && el.localName === local) out.push(el);
  }
  return out;
}

/** The one direct child, or undefined when there is none; more than one is a refusal. */
export function onlyChild(parent: Element, ns: string, local: string): Element | undefined {
  const found = children(parent, ns, local);
  if (found.length > 1) throw new XmlRefused(`more than one ${local}`, `duplicate_${local}`);
  return found[0];
}

/**
 * The text of an element that may hold only text (NameID, AttributeValue, Audience…): its text and
 * CDATA children joined. Anything else inside — a comment, a processing instruction, an element — is a
 * refusal: `user@evil.com<!---->.attacker.com` must not read as either half (the NameID comment
 * injection of CVE-2017-11427 and its siblings).
 */
export function plainText(el: Element): string {
  let text = '';
  for (let child = el.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== TEXT && child.nodeType !== CDATA) {
      throw new XmlRefused(`${el.localName} holds something other than text`, 'comment_in_text');
    }
    text += (child as CharacterData).data;
  }
  return text;
}

/** Every attribute value named `ID` (SAML), `Id` or `id` in the document. */
export function idValues(doc: Document): string[] {
  const out: string[] = [];
  const walk = (node: Node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType !== ELEMENT) continue;
      const el = child as Element;
      for (const name of ['ID', 'Id', 'id']) {
        const value = el.getAttribute(name);
        if (el.hasAttribute(name) && value !== null) out.push(value);
      }
      walk(el);
    }
  };
  walk(doc);
  return out;
}
