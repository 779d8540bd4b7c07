import { OAuthError } from '../../errors.js';
import { jsonNoStore } from '../../http/respond.js';
import { exportAuditLines, listAuditPage } from '../../operations/audit.js';
import { cleanupStaleClientsNow, housekeepNow } from '../../operations/housekeeping.js';
import { listKeys, rotateKeys } from '../../operations/keys.js';
import { overview } from '../../operations/overview.js';
import { parseAuditQuery } from '../../operations/queries.js';
import { editResource, listResources, type ResourceEdit } from '../../operations/resources.js';
import { effectiveSettings } from '../../operations/settings.js';
import { jsonBody, optionalBoolean, optionalString, optionalStrings, type Register } from './http.js';

/** Resources, audit, keys, overview, settings and maintenance routes. @see docs/admin-api.md */
export function registerSystemRoutes(route: Register): void {
  route('GET', 'overview', async (ctx) => jsonNoStore(await overview(ctx)));

  route('GET', 'settings', async (ctx) => jsonNoStore({ settings: effectiveSettings(ctx) }));

  route('GET', 'resources', async (ctx) => jsonNoStore({ resources: await listResources(ctx) }));

  // The resource identifier is a URL, so it travels in the body rather than in the path.
  route('PATCH', 'resources', async (ctx, req, actor) => {
    const body = await jsonBody(req);
    const resource = optionalString(body, 'resource');
    if (!resource) throw new OAuthError('invalid_request', '"resource" is required');
    const edit: ResourceEdit = {};
    const name = optionalString(body, 'name');
    if (name !== undefined) edit.name = name;
    const scopes = optionalStrings(body, 'scopes');
    if (scopes !== undefined) edit.scopes = scopes;
    const defaults = optionalStrings(body, 'default_scopes');
    if (defaults !== undefined) edit.default_scopes = defaults;
    if (body.lanes !== undefined) {
      if (typeof body.lanes !== 'object' || body.lanes === null || Array.isArray(body.lanes))
        throw new OAuthError('invalid_request', '"lanes" must be an object');
      const lanes = body.lanes as Record<string, unknown>;
      const unknown = Object.keys(lanes).find((k) => !['preregistered', 'cimd', 'dcr'].includes(k));
      if (unknown) throw new OAuthError('invalid_request', `"lanes.${unknown}" is not a lane`);
      edit.lanes = lanes as ResourceEdit['lanes'];
    }
    return jsonNoStore({ resource: await editResource(ctx, resource, edit, actor.id) });
  });

  route('GET', 'audit', async (ctx, req) => {
    const page = await listAuditPage(ctx, parseAuditQuery(req.url.searchParams));
    return jsonNoStore(page);
  });

  route('GET', 'audit/export', async (ctx, req) => {
    const { limit, ...query } = parseAuditQuery(req.url.searchParams);
    return new Response(exportAuditLines(ctx, query), {
      headers: {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'content-disposition': 'attachment; filename="gatehouse-audit.jsonl"',
        'cache-control': 'no-store',
      },
    });
  });

  route('GET', 'keys', async (ctx) => jsonNoStore({ keys: await listKeys(ctx) }));

  // 200 when the next key signs now, 202 when its activation is scheduled (the body says when and why),
  // 409 when a rotation is already scheduled; `force: true` is the audited emergency path.
  route('POST', 'keys/rotate', async (ctx, req, actor) => {
    const body = await jsonBody(req);
    const force = optionalBoolean(body, 'force');
    const reason = optionalString(body, 'reason');
    const result = await rotateKeys(ctx, actor.id, {
      ...(force === undefined ? {} : { force }),
      ...(reason === undefined ? {} : { reason }),
    });
    const { keys, ...rotation } = result;
    return jsonNoStore({ keys, rotation }, { status: result.status === 'scheduled' ? 202 : 200 });
  });

  route('POST', 'maintenance/housekeeping', async (ctx, _req, actor) =>
    jsonNoStore(await housekeepNow(ctx, actor.id)),
  );

  route('POST', 'maintenance/cleanup-stale-clients', async (ctx, _req, actor) =>
    jsonNoStore({ deleted: await cleanupStaleClientsNow(ctx, actor.id) }),
  );
}
