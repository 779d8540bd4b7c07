/**
 * `POST {issuer}/connections/{id}/saml/acs`: the IdP's Response over the HTTP-POST binding (bindings
 * §3.5), then `GET …/saml/finish`. In order:
 * 1. RelayState names an unconsumed, unexpired sign-in of this connection (saml-sp.ts); without one the
 *    response is unsolicited (IdP-initiated) and refused: nothing ties it to a browser.
 * 2. The document's shape (saml-checks.ts `checkShape`), then node-saml verifies the Assertion's
 *    signature against the IdP metadata's certificates only (wantAssertionsSigned: a signed Response
 *    around an unsigned Assertion is refused), its audience and times; then `readVerified` reads only
 *    the verified assertion and checks it against what was received.
 * 3. The assertion's ID enters the replay cache (store `useSamlAssertion`, kept until its NotOnOrAfter
 *    plus the skew: profiles §4.1.4.5); a second use is refused.
 * 4. The verified identity travels encrypted (AES-256-GCM, a minute) in a 303 to `…/saml/finish`. The
 *    POST comes from the IdP's site, so the SameSite=Lax browser-binding cookie is not sent with it; the
 *    GET that follows is a top-level navigation, which carries it. There the sign-in's state is
 *    consumed, once, with this browser's binding, and the account is resolved by the same rules as
 *    OIDC (accounts.ts).
 * Every refusal is audited (`connection.saml.refused` with a reason code, never assertion contents)
 * and answered with the error page.
 */
import type { ResolvedSamlConnection } from '../config/connections.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { formParams } from '../http/params.js';
import { redirect } from '../http/respond.js';
import { decrypt, deriveKey, encrypt, hashSecret } from '../tokens/crypto.js';
import { normaliseEmail } from '../users.js';
import { resolveAccount, type UpstreamIdentity } from './accounts.js';
import { nodeSaml } from './libraries.js';
import { collisionPage, signInAndContinue } from './link.js';
import {
  checkShape,
  EMAIL_FORMAT,
  type Expected,
  readVerified,
  SamlRefusal,
  TRANSIENT_FORMAT,
} from './saml-checks.js';
import { type IdpMetadata, idpMetadata } from './saml-metadata.js';
import { acsUrl, requestIdFor, samlPath, spEntityId } from './saml-sp.js';
import { XmlRefused } from './saml-xml.js';
import { readBinding } from './state.js';

const FINISH_TTL_MS = 60_000;
/** A SAMLResponse larger than this (decoded) is refused before parsing. */
const MAX_RESPONSE_BYTES = 48 * 1024;

const STALE =
  'This sign-in could not be completed: it expired, was already used, or was started in another browser. Start again.';

interface Ticket {
  v: 'saml-finish';
  c: string;
  state: string;
  identity: UpstreamIdentity;
  exp: number;
}

function ticketKey(ctx: Context): Buffer {
  return deriveKey(ctx.config.secret, 'saml-finish-ticket');
}

async function refuse(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedSamlConnection,
  reason: string,
  message = `The answer from ${c.name} could not be accepted, so you were not signed in. Start again.`,
): Promise<never> {
  await ctx.auditAnonymous({ type: 'connection.saml.refused', detail: { connection: c.id, reason } }, req);
  throw new OAuthError('invalid_request', message, { detail: `connection ${c.id}: SAML ${reason}` });
}

/** Step 1: the sign-in RelayState refers to; its reason code when there is none usable. */
async function pendingSignIn(
  ctx: Context,
  c: ResolvedSamlConnection,
  relayState: string | undefined,
): Promise<{ reason: string; state?: undefined } | { reason?: undefined; state: string }> {
  if (!relayState || relayState.length > 80) return { reason: 'unsolicited' };
  const record = await ctx.store.getConnectionState(hashSecret(relayState));
  if (!record || record.connectionId !== c.id) return { reason: 'unknown_relay_state' };
  if (record.consumedAt !== null) return { reason: 'replayed' };
  if (record.expiresAt <= ctx.now()) return { reason: 'sign_in_expired' };
  return { state: relayState };
}

/** node-saml's refusal as a reason code. */
function libraryReason(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/audience/i.test(message)) return 'audience';
  if (/expired/i.test(message)) return 'expired';
  if (/not yet valid/i.test(message)) return 'not_yet_valid';
  return 'signature';
}

async function verify(xml: string, x: Expected, metadata: IdpMetadata, skewS: number) {
  const { SAML } = await nodeSaml();
  const saml = new SAML({
    issuer: x.spEntityId,
    audience: x.spEntityId,
    callbackUrl: x.acsUrl,
    idpCert: metadata.certificates,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: skewS * 1000,
  });
  try {
    const { profile } = await saml.validatePostResponseAsync({
      SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'),
    });
    const verified = profile?.getAssertionXml?.();
    if (!verified) throw new SamlRefusal('signature', 'no assertion');
    return verified;
  } catch (error) {
    if (error instanceof SamlRefusal) throw error;
    throw new SamlRefusal(libraryReason(error), 'the signature could not be verified');
  }
}

function emailOf(c: ResolvedSamlConnection, read: ReturnType<typeof readVerified>): string | undefined {
  for (const name of c.emailAttributes) {
    const value = read.attributes.get(name);
    if (value) return normaliseEmail(value);
  }
  return read.nameIdFormat === EMAIL_FORMAT ? normaliseEmail(read.nameId) : undefined;
}

/** Steps 2 and 3: the verified identity, or a SamlRefusal / XmlRefused. */
async function verifiedIdentity(ctx: Context, c: ResolvedSamlConnection, xml: string, state: string) {
  const metadata = await idpMetadata(ctx, c);
  const x: Expected = {
    acsUrl: acsUrl(ctx, c),
    requestId: requestIdFor(ctx, state),
    idpEntityId: metadata.entityId,
    spEntityId: spEntityId(ctx, c),
    now: ctx.now(),
    skewMs: c.clockSkewS * 1000,
  };
  const { received } = checkShape(xml, x);
  const read = readVerified(await verify(xml, x, metadata, c.clockSkewS), received, x);
  if (read.nameIdFormat === TRANSIENT_FORMAT)
    throw new SamlRefusal('transient_name_id', 'a transient NameID cannot identify a returning person');
  if (
    !(await ctx.store.useSamlAssertion(metadata.entityId, received.assertionId, read.replayUntil, ctx.now()))
  )
    throw new SamlRefusal('replayed', 'this assertion was used already');
  const email = emailOf(c, read);
  const identity: UpstreamIdentity = {
    issuer: metadata.entityId,
    subject: read.nameId,
    email,
    // Only `trustEmailVerified` makes it count (accounts.ts): SAML has no per-address verification flag.
    emailVerified: email !== undefined,
  };
  return identity;
}

export async function handleSamlAcs(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedSamlConnection,
): Promise<Response> {
  const params = await formParams(req.request);
  const pending = await pendingSignIn(ctx, c, params.get('RelayState') ?? undefined);
  if (pending.reason !== undefined) return refuse(ctx, req, c, pending.reason, STALE);
  const encoded = params.get('SAMLResponse') ?? '';
  if (!encoded || encoded.length > (MAX_RESPONSE_BYTES * 4) / 3 + 4 || !/^[A-Za-z0-9+/=\s]+$/.test(encoded))
    return refuse(ctx, req, c, 'malformed');
  let identity: UpstreamIdentity;
  try {
    identity = await verifiedIdentity(ctx, c, Buffer.from(encoded, 'base64').toString('utf8'), pending.state);
  } catch (error) {
    if (error instanceof SamlRefusal) return refuse(ctx, req, c, error.reason);
    if (error instanceof XmlRefused) return refuse(ctx, req, c, error.reason);
    throw error;
  }
  const ticket: Ticket = {
    v: 'saml-finish',
    c: c.id,
    state: pending.state,
    identity,
    exp: ctx.now() + FINISH_TTL_MS,
  };
  const sealed = encrypt(ticketKey(ctx), JSON.stringify(ticket));
  const next = `${ctx.config.issuerPath}${samlPath(c, 'saml/finish')}?ticket=${encodeURIComponent(sealed)}`;
  return redirect(next, 303);
}

function openTicket(ctx: Context, c: ResolvedSamlConnection, sealed: string | undefined): Ticket | undefined {
  if (!sealed || sealed.length > 4096) return undefined;
  try {
    const ticket = JSON.parse(decrypt(ticketKey(ctx), sealed)) as Ticket;
    return ticket.v === 'saml-finish' && ticket.c === c.id && ticket.exp > ctx.now() ? ticket : undefined;
  } catch {
    return undefined;
  }
}

export async function handleSamlFinish(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedSamlConnection,
): Promise<Response> {
  const ticket = openTicket(ctx, c, req.url.searchParams.get('ticket') ?? undefined);
  if (!ticket) return refuse(ctx, req, c, 'bad_ticket', STALE);
  const binding = readBinding(ctx, req);
  const record = binding
    ? await ctx.store.consumeConnectionState(hashSecret(ticket.state), hashSecret(binding), ctx.now())
    : undefined;
  if (record?.connectionId !== c.id)
    return refuse(ctx, req, c, binding ? 'another_browser_or_used' : 'no_binding', STALE);
  const outcome = await resolveAccount(ctx, c, ticket.identity);
  if (outcome.kind === 'collision')
    return collisionPage(ctx, req, c, ticket.identity, outcome.email, record.interaction);
  await ctx.audit(
    { type: 'login.succeeded', userId: outcome.user.id, detail: { connection: c.id, how: outcome.how } },
    req,
  );
  return signInAndContinue(ctx, req, outcome.user, record.interaction, c.id);
}
