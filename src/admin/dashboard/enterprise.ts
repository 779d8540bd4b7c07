import type { Context, RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { Params } from '../../http/params.js';
import { html } from '../../http/respond.js';
import {
  addEnterpriseIdp,
  listEnterpriseIdps,
  removeEnterpriseIdp,
} from '../../operations/enterprise-idps.js';
import { renderConfirm } from '../../pages/admin/confirm.js';
import { renderEnterprise } from '../../pages/admin/enterprise.js';
import { type AdminView, actionError, afterAction } from './kit.js';

/** The "Enterprise IdPs" page and its form actions (add, remove); the operations do every check. */
export async function showEnterprise(ctx: Context, _req: RequestInfo, view: AdminView): Promise<Response> {
  return html(
    renderEnterprise({
      frame: view.frame('enterprise', 'Enterprise IdPs'),
      admin: view.admin,
      csrf: view.csrf,
      idps: await listEnterpriseIdps(ctx),
    }),
  );
}

/** The add form as an `enterprise.idps[]` entry: empty fields are left out, the JWK Set is parsed. */
function definitionFrom(params: Params): Record<string, unknown> {
  const field = (name: string) => {
    const value = params.get(name)?.trim();
    return value ? value : undefined;
  };
  const definition: Record<string, unknown> = {
    issuer: field('issuer'),
    name: field('name'),
    jwks_uri: field('jwks_uri'),
    subject: field('subject'),
    signup: params.get('signup') === 'yes',
  };
  const jwks = field('jwks');
  if (jwks !== undefined) {
    try {
      definition.jwks = JSON.parse(jwks) as unknown;
    } catch {
      throw new OAuthError('invalid_request', 'jwks: is not JSON');
    }
  }
  for (const key of Object.keys(definition)) if (definition[key] === undefined) delete definition[key];
  return definition;
}

/** Removing an IdP stops its users' agents from getting tokens: it is confirmed first. */
function confirmRemoval(view: AdminView, issuer: string, back: string): Response {
  return html(
    renderConfirm({
      frame: view.frame('enterprise', 'Remove enterprise IdP'),
      heading: 'Remove this enterprise IdP?',
      subject: issuer,
      consequences: [
        'Its ID-JAGs are refused from the next token request on.',
        'Access tokens already issued through it stay valid until they expire.',
      ],
      action: `${view.admin}/enterprise/action`,
      fields: { csrf: view.csrf, op: 'remove', issuer },
      button: 'Remove IdP',
      cancelHref: back,
    }),
  );
}

export async function handleEnterpriseAction(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const back = `${view.admin}/enterprise`;
  try {
    const op = params.get('op');
    if (op === 'add') {
      await addEnterpriseIdp(ctx, definitionFrom(params), view.actor);
      return afterAction(back, 'idp-add');
    }
    if (op === 'remove') {
      const issuer = params.get('issuer') ?? '';
      if (params.get('confirmed') !== 'yes') return confirmRemoval(view, issuer, back);
      await removeEnterpriseIdp(ctx, issuer, view.actor);
      return afterAction(back, 'idp-remove');
    }
    throw new OAuthError('invalid_request', 'unknown action');
  } catch (error) {
    return actionError(view, 'enterprise', error, back);
  }
}
