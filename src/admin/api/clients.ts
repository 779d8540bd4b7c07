import { OAuthError } from '../../errors.js';
import { jsonNoStore } from '../../http/respond.js';
import { decideStagedChange, pinCimdClient } from '../../operations/cimd.js';
import {
  type ClientEdit,
  clientDetail,
  createPreregisteredClient,
  editClient,
  listClientsPage,
  type NewClientInput,
  rotateClientSecret,
} from '../../operations/clients.js';
import {
  deleteClient,
  disableClient,
  enableClient,
  revokeClientSessions,
} from '../../operations/lifecycle.js';
import { parseClientQuery } from '../../operations/queries.js';
import { jsonBody, optionalBoolean, optionalString, optionalStrings, type Register } from './http.js';

/** Client routes of the admin API: parse the request, call the operation, answer its view. @see docs/admin-api.md */

function newClientInput(body: Record<string, unknown>): NewClientInput {
  // Secrets are generated, never chosen (operations/clients.ts): a sent one would otherwise be dropped
  // and the request refused for lacking it.
  if (body.client_secret !== undefined) {
    throw new OAuthError(
      'invalid_client_metadata',
      'client_secret: Gatehouse generates client secrets; send confidential: true and read the secret from the response',
    );
  }
  const input: NewClientInput = { confidential: optionalBoolean(body, 'confidential') ?? false };
  const id = optionalString(body, 'client_id');
  if (id !== undefined) input.client_id = id;
  const name = optionalString(body, 'client_name');
  if (name !== undefined) input.client_name = name;
  const redirects = optionalStrings(body, 'redirect_uris');
  if (redirects !== undefined) input.redirect_uris = redirects;
  const grants = optionalStrings(body, 'grant_types');
  if (grants !== undefined) input.grant_types = grants as NewClientInput['grant_types'];
  const scope = optionalString(body, 'scope');
  if (scope !== undefined) input.scope = scope;
  const resources = optionalStrings(body, 'resources');
  if (resources !== undefined) input.resources = resources;
  const method = optionalString(body, 'token_endpoint_auth_method');
  if (method !== undefined)
    input.token_endpoint_auth_method = method as NewClientInput['token_endpoint_auth_method'];
  const firstParty = optionalBoolean(body, 'first_party');
  if (firstParty !== undefined) input.first_party = firstParty;
  // private_key_jwt (RFC 7591 §2): the schema checks the key set; the jwks_uri must be public.
  if (body.jwks !== undefined) input.jwks = body.jwks as NewClientInput['jwks'];
  const jwksUri = optionalString(body, 'jwks_uri');
  if (jwksUri !== undefined) input.jwks_uri = jwksUri;
  const alg = optionalString(body, 'token_endpoint_auth_signing_alg');
  if (alg !== undefined) input.token_endpoint_auth_signing_alg = alg;
  return input;
}

/** PATCH body → the edit operation's input (`null` clears the name, scope and signing algorithm). */
function clientEditOf(body: Record<string, unknown>): ClientEdit {
  const scope = body.scope === null ? null : optionalString(body, 'scope');
  return {
    ...(body.redirect_uris !== undefined ? { redirect_uris: optionalStrings(body, 'redirect_uris')! } : {}),
    ...(body.scope !== undefined ? { scope } : {}),
    ...(body.client_name !== undefined ? { client_name: optionalString(body, 'client_name') ?? null } : {}),
    ...(body.jwks !== undefined ? { jwks: body.jwks } : {}),
    ...(body.jwks_uri !== undefined ? { jwks_uri: optionalString(body, 'jwks_uri')! } : {}),
    ...(body.token_endpoint_auth_signing_alg !== undefined
      ? {
          token_endpoint_auth_signing_alg:
            body.token_endpoint_auth_signing_alg === null
              ? null
              : optionalString(body, 'token_endpoint_auth_signing_alg')!,
        }
      : {}),
  };
}

export function registerClientRoutes(route: Register): void {
  route('GET', 'clients', async (ctx, req) => {
    const page = await listClientsPage(ctx, parseClientQuery(req.url.searchParams));
    return jsonNoStore({ clients: page.clients, next: page.next });
  });

  route('POST', 'clients', async (ctx, req, actor) => {
    const { client, client_secret } = await createPreregisteredClient(
      ctx,
      newClientInput(await jsonBody(req)),
      actor.id,
    );
    // The secret is in this response only; it is stored as a hash.
    return jsonNoStore({ client, ...(client_secret ? { client_secret } : {}) }, { status: 201 });
  });

  route('GET', 'clients/:id', async (ctx, _req, _actor, [id]) => {
    const d = await clientDetail(ctx, id!);
    return jsonNoStore({
      client: d.client,
      active_grants: d.activeGrants,
      recent_events: d.recentEvents,
      cimd: d.cimdCache,
    });
  });

  route('PATCH', 'clients/:id', async (ctx, req, actor, [id]) => {
    const edit = clientEditOf(await jsonBody(req));
    return jsonNoStore({ client: await editClient(ctx, id!, edit, actor.id) });
  });

  route('POST', 'clients/:id/rotate-secret', async (ctx, _req, actor, [id]) => {
    return jsonNoStore(await rotateClientSecret(ctx, id!, actor.id));
  });

  route('POST', 'clients/:id/disable', async (ctx, req, actor, [id]) => {
    const { client, grantsRevoked } = await disableClient(ctx, id!, (await jsonBody(req)).reason, actor.id);
    return jsonNoStore({ client, grants_revoked: grantsRevoked });
  });

  route('POST', 'clients/:id/enable', async (ctx, _req, actor, [id]) => {
    return jsonNoStore({ client: await enableClient(ctx, id!, actor.id) });
  });

  route('POST', 'clients/:id/revoke-sessions', async (ctx, _req, actor, [id]) => {
    return jsonNoStore({ grants_revoked: await revokeClientSessions(ctx, id!, actor.id) });
  });

  route('DELETE', 'clients/:id', async (ctx, _req, actor, [id]) => {
    await deleteClient(ctx, id!, actor.id);
    return new Response(null, { status: 204 });
  });

  route('POST', 'clients/:id/cimd/pin', async (ctx, req, actor, [id]) => {
    const pinned = optionalBoolean(await jsonBody(req), 'pinned');
    if (pinned === undefined) throw new OAuthError('invalid_request', '"pinned" must be true or false');
    return jsonNoStore({ client: await pinCimdClient(ctx, id!, pinned, actor.id) });
  });

  route('POST', 'clients/:id/cimd/approve', async (ctx, _req, actor, [id]) =>
    jsonNoStore({ client: await decideStagedChange(ctx, id!, 'approve', actor.id) }),
  );

  route('POST', 'clients/:id/cimd/reject', async (ctx, _req, actor, [id]) =>
    jsonNoStore({ client: await decideStagedChange(ctx, id!, 'reject', actor.id) }),
  );
}
