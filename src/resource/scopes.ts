/**
 * Scope checks with an optional hierarchy. MCP "Step-Up Authorization Flow": a resource server takes
 * its scope hierarchy into account, so a token with `files:write` (which implies `files:read`) may
 * call a read operation. Scopes are RFC 6749 §3.3 tokens, compared exactly (case-sensitive).
 */

/** Splits a `scope` claim (RFC 9068 §2.2.3: space-separated) into distinct scope tokens. */
export function splitScope(scope: unknown): string[] {
  if (typeof scope !== 'string' || scope === '') return [];
  return [...new Set(scope.split(' ').filter(Boolean))];
}

/** Every scope the granted ones stand for: the granted scopes and, transitively, what they imply. */
export function expandScopes(
  granted: Iterable<string>,
  hierarchy: Readonly<Record<string, readonly string[]>>,
): Set<string> {
  const effective = new Set<string>();
  const pending = [...granted];
  while (pending.length) {
    const scope = pending.pop()!;
    if (effective.has(scope)) continue;
    effective.add(scope);
    const implied = Object.hasOwn(hierarchy, scope) ? hierarchy[scope] : undefined;
    if (implied) pending.push(...implied);
  }
  return effective;
}

/** The required scopes that the granted ones do not cover (empty when the token is sufficient). */
export function missingScopes(
  granted: Iterable<string>,
  required: Iterable<string>,
  hierarchy: Readonly<Record<string, readonly string[]>>,
): string[] {
  const effective = expandScopes(granted, hierarchy);
  return [...new Set(required)].filter((scope) => !effective.has(scope));
}
