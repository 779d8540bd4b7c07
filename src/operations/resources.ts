import type { ResolvedResource } from '../config/resolve.js';
import type { Context } from '../context.js';
import { displayNameProblem, sanitiseDisplayName } from '../display-name.js';
import { OAuthError } from '../errors.js';
import { isScopeToken } from '../scope-token.js';
import type { ResourceRecord } from '../store/types.js';
import type { ResourceView } from './views.js';

/** Protected resources as administrators see and edit them (admin API, dashboard). */

export interface ResourceEdit {
  name?: string;
  scopes?: string[];
  default_scopes?: string[];
  lanes?: Partial<ResourceRecord['lanes']>;
}

/**
 * Edits a resource's name, scopes and allowed lanes; audited. The edit is stored, then this instance's
 * registry reloads (config/resource-registry.ts), so it applies here at once and on other instances
 * within `resourceCacheTtl`.
 */
export async function editResource(
  ctx: Context,
  resource: string,
  edit: ResourceEdit,
  actor: string,
): Promise<ResolvedResource> {
  const current = ctx.resources.snapshot().resources.find((r) => r.resource === resource && !r.restricted);
  if (!current) throw new OAuthError('not_found', `no editable resource ${resource}`);
  if (edit.name !== undefined && displayNameProblem(edit.name))
    throw new OAuthError('invalid_request', `"name" ${displayNameProblem(edit.name)}`);
  // Shown on the consent page: the same rule as client names (src/display-name.ts).
  const name = edit.name === undefined ? current.name : sanitiseDisplayName(edit.name);
  if (!name || (edit.name?.length ?? 0) > 200)
    throw new OAuthError('invalid_request', '"name" must be 1 to 200 characters');
  const scopes = edit.scopes ?? current.scopes;
  const bad = scopes.find((s) => !isScopeToken(s));
  if (bad !== undefined) throw new OAuthError('invalid_request', `"scopes": "${bad}" is not a valid scope`);
  const uniqueScopes = [...new Set(scopes)];
  // Defaults that are no longer scopes are dropped with them.
  const defaultScopes = (edit.default_scopes ?? current.defaultScopes).filter((s) =>
    uniqueScopes.includes(s),
  );
  if (edit.default_scopes?.some((s) => !uniqueScopes.includes(s)))
    throw new OAuthError('invalid_request', '"default_scopes" must be a subset of "scopes"');
  const lanes = { ...current.lanes, ...edit.lanes };
  for (const [lane, value] of Object.entries(lanes)) {
    if (typeof value !== 'boolean')
      throw new OAuthError('invalid_request', `"lanes.${lane}" must be a boolean`);
  }
  await ctx.store.updateResource(resource, {
    name,
    scopes: uniqueScopes,
    defaultScopes,
    lanes,
    updatedAt: ctx.now(),
    updatedBy: actor,
  });
  await ctx.resources.refresh();
  await ctx.audit({
    type: 'resource.updated',
    actor,
    detail: { resource, name, scopes: uniqueScopes, default_scopes: defaultScopes, lanes },
  });
  return ctx.resources.snapshot().resources.find((r) => r.resource === resource)!;
}

export async function listResources(ctx: Context): Promise<ResourceView[]> {
  return ctx.resources.list();
}

/** The resources an administrator may attach a client to (the built-in admin resource is not one). */
export async function editableResources(ctx: Context): Promise<{ resource: string; name: string }[]> {
  return (await ctx.resources.list()).map((r) => ({ resource: r.resource, name: r.name }));
}
