/** Small helpers shared by the comparison and the scale phases. */

/**
 * Rotation runs are bounded by a request count (the warm-up rate × the duration) rather than a clock:
 * a clock stop cuts requests off in flight, and a rotation the server made for a response nobody
 * read would look like a lost rotation in the database check.
 */
export function fixedAmount(scenario, prepared, warmRps, duration) {
  if (!scenario.boundByAmount || !warmRps) return prepared;
  return { ...prepared, amount: Math.max(500, Math.round(warmRps * duration)) };
}

export function mergeChecks(a, b) {
  if (!a) return b;
  const out = {};
  for (const k of Object.keys(a)) out[k] = typeof a[k] === 'boolean' ? a[k] && b[k] : a[k] + b[k];
  return out;
}
