/**
 * Gatehouse as a SAML 2.0 service provider, one per `type: "saml"` connection (DESIGN §4):
 * - entity ID `{issuer}/connections/{id}/saml/metadata` (the metadata URL itself, so the IdP can
 *   fetch what it names), ACS `{issuer}/connections/{id}/saml/acs` (HTTP-POST binding, bindings §3.5);
 * - `GET …/saml/metadata`: the SP metadata (metadata §2.4.4: WantAssertionsSigned="true");
 * - `GET …/start`: the "Continue with {name}" button. An AuthnRequest (core §3.4.1) over the
 *   HTTP-Redirect binding (bindings §3.4) whose ID is an HMAC of a fresh `state` under the server
 *   secret, and RelayState (bindings §3.4.3) the `state` itself: an opaque reference, at most 80 bytes.
 *   Only the state's SHA-256 is stored, bound to the browser as for OIDC (state.ts), with the pending
 *   authorization request. The ACS derives the request ID from the returned RelayState and requires
 *   InResponseTo to equal it, so an unsolicited or foreign response is refused (saml-acs.ts).
 */
import type { ResolvedSamlConnection } from '../config/connections.js';
import type { Context, RequestInfo } from '../context.js';
import { redirect } from '../http/respond.js';
import { PATHS } from '../paths.js';
import { hmac } from '../tokens/crypto.js';
import { nodeSaml } from './libraries.js';
import { idpMetadata } from './saml-metadata.js';
import { admitStart } from './start.js';
import { recordStart } from './state.js';

export type SamlAction = 'saml/acs' | 'saml/metadata' | 'saml/finish';

export function samlPath(c: ResolvedSamlConnection, action: SamlAction): string {
  return `${PATHS.connections}${encodeURIComponent(c.id)}/${action}`;
}

export function spEntityId(ctx: Context, c: ResolvedSamlConnection): string {
  return ctx.config.issuer + samlPath(c, 'saml/metadata');
}

export function acsUrl(ctx: Context, c: ResolvedSamlConnection): string {
  return ctx.config.issuer + samlPath(c, 'saml/acs');
}

/** The AuthnRequest ID that belongs to `state` (an xs:ID: a letter first). */
export function requestIdFor(ctx: Context, state: string): string {
  return `_${hmac(ctx.secrets.state, `saml request\n${state}`)}`;
}

export async function handleSamlMetadata(
  ctx: Context,
  _req: RequestInfo,
  c: ResolvedSamlConnection,
): Promise<Response> {
  const { generateServiceProviderMetadata } = await nodeSaml();
  const xml = generateServiceProviderMetadata({
    issuer: spEntityId(ctx, c),
    callbackUrl: acsUrl(ctx, c),
    identifierFormat: null,
    wantAssertionsSigned: true,
  });
  return new Response(xml, {
    status: 200,
    headers: {
      'content-type': 'application/samlmetadata+xml; charset=utf-8',
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    },
  });
}

export async function handleSamlStart(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedSamlConnection,
): Promise<Response> {
  const { interaction, at } = await admitStart(ctx, req, c);
  const metadata = await idpMetadata(ctx, c);
  const { state, setCookie } = await recordStart(ctx, req, c, interaction, at);
  const requestId = requestIdFor(ctx, state);
  const { SAML } = await nodeSaml();
  const saml = new SAML({
    issuer: spEntityId(ctx, c),
    callbackUrl: acsUrl(ctx, c),
    entryPoint: metadata.ssoUrl,
    idpCert: metadata.certificates,
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    wantAssertionsSigned: true,
    generateUniqueId: () => requestId,
  });
  const url = await saml.getAuthorizeUrlAsync(state, undefined, {});
  return redirect(url, 302, setCookie ? { 'set-cookie': setCookie } : {});
}
