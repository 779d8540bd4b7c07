/**
 * Names shown to people (client_name from configuration, the admin API, DCR and CIMD documents; user
 * e-mail addresses) must look like what they are. Text direction controls can make "Acme" render as
 * any other string, and invisible characters let two names look identical while differing (RFC 7591
 * §5 "spoofing"; RFC 9700 §4.15; Unicode TR #36 §2 and UTS #39 §3).
 *
 * The rule, one place for every lane:
 * - where a name enters (configuration, admin API, dashboard, CLI, DCR registration, CIMD document),
 *   bidirectional controls (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069) and C1 controls
 *   (U+0080–U+009F) are refused: no honest name needs them, and they are the spoofing tools;
 * - everything else that is invisible (other format characters such as U+200B–U+200D and U+FEFF, C0
 *   controls, separators, default-ignorable and non-characters, lone surrogates) is stripped, the text
 *   is NFKC-normalised (mathematical and full-width look-alikes fold to plain letters), runs of
 *   combining marks are capped and whitespace is collapsed;
 * - where a name is shown, the same sanitising runs again, so a row stored before this rule existed
 *   cannot carry a control onto a page.
 */

/** Characters that never reach a page: Cc, Cf, Cs, Zl, Zp, default-ignorable and non-characters. */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/gu;
/** Line breaks and tabs become spaces rather than gluing words together. */
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Characters refused where a name enters. */
const REFUSED = /[\p{Bidi_Control}\u0080-\u009f]/u;
/** Any run of white space (after the invisible characters are gone). */
const SPACES = /\p{White_Space}+/gu;
/** At most this many combining marks in a row (enough for Vietnamese, Thai, Devanagari); more is "Zalgo" text drawn over its neighbours. */
const MAX_MARKS = 4;
const MARK_RUN = new RegExp(`(\\p{M}{${MAX_MARKS}})\\p{M}+`, 'gu');

/**
 * The name as it may be shown: no invisible or direction-changing characters, NFKC-normalised, marks
 * capped, white space collapsed and trimmed, at most `max` UTF-16 units. Idempotent.
 */
export function sanitiseDisplayName(value: string, max = 200): string {
  const visible = value.replace(LINE_BREAKS, ' ').replace(INVISIBLE, '').normalize('NFKC');
  const tidy = visible.replace(MARK_RUN, '$1').replace(SPACES, ' ').trim();
  if (tidy.length <= max) return tidy;
  // Cut at `max` UTF-16 units (what JavaScript's length and most column limits count), never inside
  // a surrogate pair.
  let cut = '';
  for (const point of tidy) {
    if (cut.length + point.length > max) break;
    cut += point;
  }
  return cut.trim();
}

/**
 * Whether `value` holds a character that is invisible or changes how text around it is drawn (the
 * class `sanitiseDisplayName` strips, plus the refused controls). For identifiers shown to people that
 * cannot be rewritten, such as e-mail addresses: refuse them instead.
 */
export function hasInvisibleCharacters(value: string): boolean {
  return new RegExp(INVISIBLE.source, 'u').test(value) || REFUSED.test(value);
}

/**
 * Why a name cannot be accepted where it enters, or undefined when it can be (then store its
 * sanitised form; it may be empty, which each caller treats as "no name" or refuses).
 */
export function displayNameProblem(value: string): string | undefined {
  return REFUSED.test(value) ? 'must not contain text-direction or C1 control characters' : undefined;
}
