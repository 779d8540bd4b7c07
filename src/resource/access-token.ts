/** A verified access token: who it is for, for what, and until when. */
export interface AccessToken {
  /** The token as presented. */
  token: string;
  /** `iss`: the configured issuer. */
  issuer: string;
  /** `sub`: the user (or, for client_credentials, the client) the token acts for. */
  subject: string;
  /** `client_id`: the client the token was issued to (RFC 9068 §2.2). */
  clientId: string;
  /** The granted scopes, from the space-separated `scope` claim. */
  scopes: string[];
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
  /** This resource's identifier (the token's `aud`). */
  resource: string;
  /** Every claim of the token, or of the introspection answer. */
  claims: Record<string, unknown>;
}

/** Verifies a token for this resource; throws BearerError (invalid_token) when it is not good. */
export type TokenVerifier = (token: string) => Promise<AccessToken>;
