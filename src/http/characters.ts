/**
 * The one rule for control characters in request input, applied wherever a request is parsed: form
 * and query parameters (names and values: `Params`, and the router for every query string), the
 * request path (the router, after percent-decoding each segment), the members of JSON bodies at any
 * depth (names and string values: registration and the admin API), and Basic client credentials.
 *
 * Refused: C0 controls U+0000–U+001F, DEL U+007F and C1 controls U+0080–U+009F. Every OAuth parameter
 * is printable by its grammar (RFC 6749 Appendix A: VSCHAR / NQCHAR %x20-7E, URI-reference; RFC 3986
 * §2), e-mail addresses are too (RFC 5321 §4.1.2), and no identifier, URI, name or token Gatehouse
 * stores needs one. PostgreSQL text cannot hold U+0000 at all (a query would fail), and the others are
 * invisible on a page or rewrite a terminal (ESC) where a name or an id is shown. Two exceptions:
 * - `multi-line` fields (the dashboard's one-URI-per-line text area `redirect_uris`) also take
 *   HT, LF and CR, which a browser sends from a text area;
 * - `secret` fields (`password`) refuse only U+0000: a password is hashed, never stored, compared or
 *   shown as text, a browser may paste a tab into it, and refusing more could lock out someone whose
 *   password was set through the API or the CLI. NUL is refused there too: hash implementations
 *   that stop at NUL would silently shorten such a password.
 * Format characters (text-direction controls, zero-width characters) are not controls: display names
 * deal with them where they are shown (src/display-name.ts).
 */

export type CharacterRule = 'single-line' | 'multi-line' | 'secret';

// biome-ignore-start lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const REFUSED: Record<CharacterRule, RegExp> = {
  'single-line': /[\u0000-\u001f\u007f-\u009f]/,
  'multi-line': /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/,
  secret: /\u0000/,
};
// biome-ignore-end lint/suspicious/noControlCharactersInRegex: control characters are what is refused

/** Fields whose rule is not `single-line`, by parameter or JSON member name. */
const FIELD_RULES: Readonly<Record<string, CharacterRule>> = {
  // A string only in the dashboard's text area; as a JSON array each item is a single-line `redirect_uri`.
  redirect_uris: 'multi-line',
  password: 'secret',
  // CSS text (branding), edited in the dashboard's text area and sent in admin API bodies.
  stylesheet: 'multi-line',
  // SAML HTTP-POST binding: IdPs wrap the base64 Response in lines (CR LF).
  SAMLResponse: 'multi-line',
  // An upstream SAML IdP's metadata document, pasted into the admin API or the dashboard.
  metadata_xml: 'multi-line',
};

export function characterRuleOf(name: string): CharacterRule {
  return Object.hasOwn(FIELD_RULES, name) ? FIELD_RULES[name]! : 'single-line';
}

/** The first character `value` may not hold under `rule`, or undefined when it has none. */
export function refusedCharacter(value: string, rule: CharacterRule = 'single-line'): string | undefined {
  return REFUSED[rule].exec(value)?.[0];
}

/** True when `value` holds a C0 control, DEL or a C1 control (the `single-line` rule). */
export function hasControlCharacter(value: string): boolean {
  return REFUSED['single-line'].test(value);
}

/** `value` with every C0 control, DEL and C1 control replaced by U+FFFD (for input kept, never refused). */
export function replaceControlCharacters(value: string): string {
  return value.replace(REFUSED_GLOBAL, '\ufffd');
}

// replace() with a global pattern starts at 0 and resets lastIndex itself: one instance serves all calls.
const REFUSED_GLOBAL = new RegExp(REFUSED['single-line'].source, 'g');

/** `U+0000`: how a refused character is named in an error description (never the character itself). */
export function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why field `name` cannot hold `value`, or undefined. `label` is how the description names the field
 * (`redirect_uris[2]` for an array item). A parameter or member name is itself single-line.
 */
export function checkFieldCharacters(name: string, value: string, label = name): string | undefined {
  const inName = refusedCharacter(name);
  if (inName !== undefined) return `a parameter name contains a control character (${codePoint(inName)})`;
  const inValue = refusedCharacter(value, characterRuleOf(name));
  if (inValue !== undefined) return `"${label}" contains a control character (${codePoint(inValue)})`;
  return undefined;
}

/**
 * Why the request path cannot be served, or undefined: a segment that percent-decodes to a control
 * character (`/admin/api/clients/%00`). A segment that does not decode is left to the route.
 */
export function checkPathCharacters(pathname: string): string | undefined {
  // Without a percent sign no segment decodes to anything else: the path is checked as it is ('/' is
  // not a control character), without splitting it (every request comes through here).
  if (!pathname.includes('%')) {
    const refused = refusedCharacter(pathname);
    return refused === undefined ? undefined : pathFault(refused);
  }
  for (const segment of pathname.split('/')) {
    let decoded = segment;
    try {
      if (segment.includes('%')) decoded = decodeURIComponent(segment);
    } catch {}
    const refused = refusedCharacter(decoded);
    if (refused !== undefined) return pathFault(refused);
  }
  return undefined;
}

const pathFault = (refused: string) =>
  `the request path contains a control character (${codePoint(refused)})`;
