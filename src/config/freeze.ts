/**
 * Freezes `value` and every plain object and array reachable from it, so an accidental write throws
 * (ES modules run in strict mode) instead of changing shared state. Functions and class instances (a
 * pino logger, a Buffer) are left as they are: they are not configuration
 * data, and freezing a logger would break it.
 */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  seen.add(value);
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child, seen);
  return value;
}
