/**
 * The one definition of a scope token, RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`
 * (visible ASCII except `"` and `\`). Used by the configuration schema, resource edits, client
 * operations and the protected-resource toolkit; it depends on nothing, so every layer may import it.
 */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Whether `value` is one scope token (RFC 6749 §3.3). */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/** Whether `value` is scope tokens separated by single spaces (RFC 6749 §3.3 `scope`). */
export function isScopeString(value: string): boolean {
  return value.split(' ').every(isScopeToken);
}
