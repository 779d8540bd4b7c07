/**
 * The one definition of Gatehouse's paths, relative to the issuer's path. The router's table, the
 * metadata's endpoint URLs (config.endpoints) and every link or form target a page renders are built
 * from it. Tools must still discover the protocol endpoints from metadata (DESIGN §5), not guess them.
 */
export const PATHS = {
  // Protocol endpoints (endpoints/), advertised in metadata (RFC 8414 §2).
  authorization: '/authorize',
  token: '/token',
  revocation: '/revoke',
  introspection: '/introspect',
  jwks: '/jwks.json',
  endSession: '/logout',
  registration: '/register',
  // The sign-in interaction (interaction/).
  resume: '/authorize/resume',
  login: '/login',
  signup: '/signup',
  forgotPassword: '/forgot-password',
  resetPassword: '/reset-password',
  verifyEmail: '/verify-email',
  verifyEmailSend: '/verify-email/send',
  account: '/account',
  consent: '/consent',
  organization: '/organization',
  signedIn: '/signed-in',
  clientLogo: '/client-logo',
  stylesheet: '/assets/gatehouse.css',
  brandLogo: '/assets/brand-logo',
  // Upstream identity connections (connections/): `{connections}{id}/start`, `…/callback` (the
  // redirect URI registered at the provider, DESIGN §4) and `…/link`. A prefix: the router owns it.
  connections: '/connections/',
  // The headless sign-in API (interaction/headless.ts): `{headlessApi}{action}`. A prefix: the router owns it.
  headlessApi: '/interaction/api/',
  // Operations.
  healthLive: '/health/live',
  healthReady: '/health/ready',
  admin: '/admin',
  adminApi: '/admin/api/',
} as const;

export type PathName = keyof typeof PATHS;

/** The endpoints listed in metadata, as absolute URLs under `issuer` (which never ends with "/"). */
export function endpointUrls(base: string) {
  return {
    authorization: base + PATHS.authorization,
    token: base + PATHS.token,
    revocation: base + PATHS.revocation,
    introspection: base + PATHS.introspection,
    jwks: base + PATHS.jwks,
    endSession: base + PATHS.endSession,
    registration: base + PATHS.registration,
  };
}

/** The path of one upstream connection's action, relative to the issuer's path. */
export function connectionPath(id: string, action: 'start' | 'callback' | 'link'): string {
  return `${PATHS.connections}${encodeURIComponent(id)}/${action}`;
}

/** A SAML connection's SP entity ID (its metadata URL, DESIGN §4) and assertion consumer service URL. */
export function samlUrls(issuer: string, id: string): { sp_entity_id: string; acs_url: string } {
  const base = `${issuer}${PATHS.connections}${encodeURIComponent(id)}/saml/`;
  return { sp_entity_id: `${base}metadata`, acs_url: `${base}acs` };
}
