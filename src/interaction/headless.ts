import type { Context, Handler, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { PATHS } from '../paths.js';
import {
  consentAction,
  identifyAction,
  organizationAction,
  passwordAction,
  providerAction,
  signupAction,
  stateAction,
} from './headless-actions.js';
import { assertAllowedOrigin, credentialedCors, headlessPreflight } from './headless-http.js';

/**
 * `{issuer}/interaction/api/{action}` (paths.ts headlessPath): the headless sign-in API, routed only
 * with `headless.enabled` (docs/headless.md). The calling origin is checked first, before the action
 * is even looked up; every answer to an allowed origin, errors included, carries credentialed CORS
 * for that origin only (the router renders errors as OAuth JSON with `req.cors`).
 */

export type HeadlessAction =
  | 'state'
  | 'identify'
  | 'password'
  | 'signup'
  | 'provider'
  | 'organization'
  | 'consent';

const ACTIONS: Record<HeadlessAction, { method: 'GET' | 'POST'; run: Handler }> = {
  state: { method: 'GET', run: stateAction },
  identify: { method: 'POST', run: identifyAction },
  password: { method: 'POST', run: passwordAction },
  signup: { method: 'POST', run: signupAction },
  provider: { method: 'POST', run: providerAction },
  organization: { method: 'POST', run: organizationAction },
  consent: { method: 'POST', run: consentAction },
};

export async function handleHeadless(ctx: Context, req: RequestInfo): Promise<Response> {
  const origin = assertAllowedOrigin(ctx, req);
  req.cors = credentialedCors(origin);
  const name = req.url.pathname.slice(ctx.config.issuerPath.length + PATHS.headlessApi.length);
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name as HeadlessAction] : undefined;
  if (!action) throw new OAuthError('not_found', 'no such headless API endpoint');
  if (req.request.method === 'OPTIONS') return headlessPreflight(origin, action.method);
  if (req.request.method !== action.method) {
    throw new OAuthError('method_not_allowed', `${req.request.method} is not allowed here`, {
      headers: { allow: `${action.method}, OPTIONS` },
    });
  }
  return action.run(ctx, req);
}

/** Where /authorize sends the browser when someone must sign in or consent: the team's page. */
export function headlessLoginUrl(ctx: Context, sealed: string): string {
  const url = new URL(ctx.config.headless.loginUrl!);
  url.searchParams.set('interaction', sealed);
  return url.href;
}
