/**
 * What the two open lanes (CIMD documents, DCR registrations) accept from a client that describes
 * itself: a public client using the code flow with PKCE. Shared so both lanes register the same shape.
 */
export interface PublicClientMetadata {
  redirect_uris: string[];
  grant_types: ('authorization_code' | 'refresh_token')[];
  token_endpoint_auth_method: 'none';
  application_type: 'web' | 'native';
  scope?: string;
  client_uri?: string;
  logo_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
}

export const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

/** A self-asserted display name: control characters stripped, trimmed, at most 100 characters. */
export function cleanClientName(name: string): string {
  return name.replace(CONTROL_CHARS, '').trim().slice(0, 100);
}
