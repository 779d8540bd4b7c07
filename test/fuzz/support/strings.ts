import fc from 'fast-check';

/** A lone surrogate: what invalid UTF-8 or a broken escape must never turn into. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** String.prototype.isWellFormed (ES2024), which this project's TypeScript lib does not declare. */
export function isWellFormed(value: string): boolean {
  return value.search(LONE_SURROGATE) === -1;
}

/** String.prototype.toWellFormed (ES2024): lone surrogates become U+FFFD, as UTF-8 encoding does. */
export function toWellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\uFFFD');
}

/** Every string one edit away from `s`: a character inserted, deleted or replaced (any character). */
export const oneEditOf = (s: string) =>
  fc
    .tuple(
      fc.nat(s.length),
      fc.constantFrom('insert', 'delete', 'replace'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    )
    .map(
      ([at, op, c]) => s.slice(0, at) + (op === 'delete' ? '' : c) + s.slice(op === 'insert' ? at : at + 1),
    )
    .filter((m) => m !== s);
