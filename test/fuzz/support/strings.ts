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
