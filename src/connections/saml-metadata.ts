/**
 * The IdP's SAML metadata (SAML metadata §2.3.2 EntityDescriptor, §2.4.3 IDPSSODescriptor): its
 * entityID, its SingleSignOnService location for the HTTP-Redirect binding (bindings §3.4), and its
 * signing certificates (KeyDescriptor use="signing" or without `use`, §2.4.1.1). From `metadata_xml`,
 * or fetched from `metadata_url` on first use: one GET, no redirects, a timeout and a size cap. The URL
 * is the operator's, so a loopback or private address is allowed (DESIGN §4). Cached per connection
 * for an hour; a failure is not cached (the next sign-in tries again).
 */
import type { ResolvedSamlConnection } from '../config/connections.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { readLimited } from '../http/body.js';
import { children, descendants, NS, parseXml, plainText, XmlRefused } from './saml-xml.js';

export const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const METADATA_TTL_MS = 3_600_000;
const FETCH_TIMEOUT_MS = 10_000;
export const MAX_METADATA_BYTES = 1_000_000;

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  /** PEM certificates whose keys may sign assertions. */
  certificates: string[];
}

function pem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new XmlRefused('a certificate is not base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function theEntity(doc: Document): Element {
  const root = doc.documentElement;
  const entities = descendants(root, NS.metadata, 'EntityDescriptor').filter(
    (e) => children(e, NS.metadata, 'IDPSSODescriptor').length > 0,
  );
  if (entities.length !== 1) {
    throw new XmlRefused(`expected one identity provider EntityDescriptor, found ${entities.length}`);
  }
  return entities[0]!;
}

/** Reads an IdP metadata document; throws XmlRefused saying what is wrong. */
export function parseIdpMetadata(xml: string): IdpMetadata {
  const entity = theEntity(parseXml(xml));
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId || entityId.length > 1024) throw new XmlRefused('no entityID');
  const idp = children(entity, NS.metadata, 'IDPSSODescriptor')[0]!;
  const sso = children(idp, NS.metadata, 'SingleSignOnService').find(
    (s) => s.getAttribute('Binding') === REDIRECT_BINDING,
  );
  const ssoUrl = sso?.getAttribute('Location') ?? '';
  let url: URL;
  try {
    url = new URL(ssoUrl);
  } catch {
    throw new XmlRefused('no SingleSignOnService with the HTTP-Redirect binding and an absolute Location');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new XmlRefused('SingleSignOnService is not http(s)');
  const certificates = children(idp, NS.metadata, 'KeyDescriptor')
    .filter((k) => !k.hasAttribute('use') || k.getAttribute('use') === 'signing')
    .flatMap((k) => descendants(k, NS.dsig, 'X509Certificate'))
    .map((c) => pem(plainText(c)));
  if (certificates.length === 0) throw new XmlRefused('no signing certificate');
  return { entityId, ssoUrl, certificates };
}

async function fetchMetadata(url: string): Promise<string> {
  const response = await fetch(url, {
    redirect: 'manual',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new Error(
      `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`,
    );
  }
  const body = await readLimited(response.body, MAX_METADATA_BYTES);
  if (!body) throw new Error(`larger than ${MAX_METADATA_BYTES} bytes`);
  return body.toString('utf8');
}

const cache = new WeakMap<ResolvedSamlConnection, { metadata: IdpMetadata; at: number }>();
const pending = new WeakMap<ResolvedSamlConnection, Promise<IdpMetadata>>();

async function load(c: ResolvedSamlConnection): Promise<IdpMetadata> {
  return parseIdpMetadata(c.metadataXml ?? (await fetchMetadata(c.metadataUrl!)));
}

/** The IdP's metadata, loaded or cached; an IdP whose metadata cannot be had is a 503 page. */
export async function idpMetadata(ctx: Context, c: ResolvedSamlConnection): Promise<IdpMetadata> {
  const hit = cache.get(c);
  if (hit && (c.metadataXml !== undefined || Date.now() - hit.at < METADATA_TTL_MS)) return hit.metadata;
  let inFlight = pending.get(c);
  if (!inFlight) {
    inFlight = load(c).finally(() => pending.delete(c));
    pending.set(c, inFlight);
  }
  try {
    const metadata = await inFlight;
    cache.set(c, { metadata, at: Date.now() });
    return metadata;
  } catch (error) {
    const reason = (error as Error).message.slice(0, 300);
    ctx.log.warn({ connection: c.id, reason }, 'SAML identity provider metadata could not be loaded');
    throw new OAuthError(
      'temporarily_unavailable',
      `${c.name} cannot be reached right now. Try again in a moment, or sign in another way.`,
      { detail: `connection ${c.id}: metadata: ${reason}` },
    );
  }
}
