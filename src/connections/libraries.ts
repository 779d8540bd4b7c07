/**
 * The upstream sign-in libraries, loaded on first use: most deployments configure no OIDC or SAML
 * connection, and importing openid-client and node-saml (with xml-crypto and xmldom) at start-up cost
 * about 10 MB of resident memory at idle for nothing (issue 18). Only this module imports them; the
 * rest of connections/ imports their types (`import type`) and awaits these loaders.
 */
import { createRequire } from 'node:module';

type OpenidClient = typeof import('openid-client');
type NodeSaml = typeof import('@node-saml/node-saml');
type Xmldom = typeof import('@xmldom/xmldom');

let openidClientModule: Promise<OpenidClient> | undefined;
let nodeSamlModule: Promise<NodeSaml> | undefined;
let xmldomModule: Xmldom | undefined;

export function openidClient(): Promise<OpenidClient> {
  openidClientModule ??= import('openid-client');
  return openidClientModule;
}

export function nodeSaml(): Promise<NodeSaml> {
  nodeSamlModule ??= import('@node-saml/node-saml');
  return nodeSamlModule;
}

/**
 * Synchronous, because the XML checks that need a DOMParser (saml-xml.ts `parseXml`) are: xmldom is
 * CommonJS, so `require` loads it on the first parse, the same instance node-saml uses.
 */
export function xmldom(): Xmldom {
  xmldomModule ??= createRequire(import.meta.url)('@xmldom/xmldom') as Xmldom;
  return xmldomModule;
}
