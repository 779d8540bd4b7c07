import { sanitiseDisplayName } from '../display-name.js';
import { isLoopbackRedirectUri } from '../lanes/redirect-uri.js';
import type { ClientRecord } from '../store/types.js';

/**
 * How a client is presented to the person on the sign-in and consent pages, built in one place so both
 * pages say the same thing (OAuth 2.1 §7.9 consent phishing; RFC 9700 §4.15; RFC 7591 §5 "the
 * authorization server SHOULD display … that the client was dynamically registered"; CIMD-01 §6.1,
 * §6.6). A self-asserted name can imitate anyone, so what cannot be faked is shown next to it: the lane
 * badge, the host of a CIMD client_id, and the host the browser will be sent back to.
 */
export interface ClientPresentation {
  /** Which lane the client came through: DCR and CIMD clients describe themselves. */
  lane: ClientRecord['source'];
  /** The name, sanitised again at display (src/display-name.ts), or the client_id. */
  clientName: string;
  /** "unverified" (DCR), "web address" (CIMD), "first-party", or none. */
  clientBadge?: string;
  /** For URL client_ids (CIMD): the host that vouches for the document. */
  clientHost?: string;
  /** The host of the redirect URI this request returns to. */
  redirectHost: string;
  warnings: string[];
}

export function presentClient(client: ClientRecord, redirectUri: string): ClientPresentation {
  const warnings: string[] = [];
  if (client.source === 'dcr') {
    warnings.push('This application registered itself. Gatehouse has not verified who runs it or its name.');
  }
  if (client.source === 'cimd') {
    warnings.push(
      `This application is identified by its web address. Only allow it if you trust ${hostOf(client.client_id)}.`,
    );
    // CIMD-01 §6.6 (localhost impersonation): any local program can claim a document whose only
    // redirect URIs are loopback; the user is the last line of defence.
    if (client.redirect_uris.every(isLoopbackRedirectUri)) {
      warnings.push(
        'Every address this application returns to is on your own computer, so any program on it could be pretending to be this application.',
      );
    }
  }
  if (isLoopbackRedirectUri(redirectUri)) {
    warnings.push('This application runs on your own computer (it returns to a local address).');
  }
  const scheme = privateUseScheme(redirectUri);
  if (scheme) {
    // RFC 8252 §8.6: any app on the device can claim a private-use scheme, and the host after it
    // (cursor://claude.ai/…) names no website; the scheme is shown with it so it cannot pass for one.
    warnings.push(
      `This application returns to an app on your computer that opens ${scheme}: addresses, not to a website. Any app could claim them.`,
    );
  }
  // Hosts are shown in their ASCII (punycode) form, which is what URL parsing yields; an
  // internationalised label may imitate another name (UTS #39 §4; checklist §4 #28), so say so.
  const idn = [client.source === 'cimd' ? hostOf(client.client_id) : '', hostOf(redirectUri)].find((h) =>
    /(^|\.)xn--/i.test(h),
  );
  if (idn) {
    warnings.push(
      `The address ${idn} is written with international characters, which can imitate another address. Check it carefully.`,
    );
  }
  const badge = BADGES[client.source] ?? (client.first_party ? 'first-party' : undefined);
  const presentation: ClientPresentation = {
    lane: client.source,
    clientName: sanitiseDisplayName(client.client_name ?? '') || client.client_id,
    redirectHost: scheme
      ? `${scheme}://${new URL(redirectUri).host}`.replace(/:\/\/$/, ':')
      : hostOf(redirectUri),
    warnings,
  };
  if (badge) presentation.clientBadge = badge;
  if (client.source === 'cimd') presentation.clientHost = hostOf(client.client_id);
  return presentation;
}

/** The scheme of a private-use redirect URI (`cursor`, `com.example.app`), or undefined for http(s). */
function privateUseScheme(uri: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(uri)?.[1];
  return scheme === undefined || scheme === 'http' || scheme === 'https' ? undefined : scheme;
}

const BADGES: Partial<Record<ClientRecord['source'], string>> = { dcr: 'unverified', cimd: 'web address' };

/** The host (with port) of a URI, or its scheme for a custom-scheme URI (`com.example.app:`). */
export function hostOf(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host || url.protocol;
  } catch {
    return uri;
  }
}
