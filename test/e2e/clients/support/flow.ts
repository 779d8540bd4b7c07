import { afterAll, beforeAll, expect } from 'vitest';
import { type CallbackServer, startCallbackServer } from '../../../helpers/browser.js';
import { authorizeInBrowser, useChromium } from './browser.js';
import { callResource, expectTokens, type Json, tokenRequest } from './oauth.js';
import { type ClientStack, startClientStack } from './stack.js';

/**
 * The mechanics every client test repeats: authorize in Chromium with PKCE, exchange the code, call
 * the resource, refresh and call again. The request shapes are the client's own and stay in its test
 * file; these helpers only add what every request carries (grant_type, code, code_verifier,
 * refresh_token).
 */

/** Form fields, or a function making them per request (a client assertion needs a fresh `jti`). */
export type Fields = Record<string, string> | (() => Promise<Record<string, string>>);

export interface CodeShapes {
  /** The authorization request's parameters as the client sends them, `client_id` and `redirect_uri` included. */
  authorize: Record<string, string>;
  /** The code exchange's fields besides grant_type, code and code_verifier. */
  token: Fields;
  /** The refresh request's fields besides grant_type and refresh_token. */
  refresh: Fields;
  /** Headers on every token request (e.g. a browser `origin`). */
  headers?: Record<string, string>;
  /** A client ID metadata document on the client host that must have been fetched by authorization. */
  cimdPath?: string;
}

/** Chromium and a fresh stack for the enclosing `describe`; the stack's members read once it started. */
export function useClientStack(): ClientStack {
  useChromium();
  let started: ClientStack | undefined;
  beforeAll(async () => {
    started = await startClientStack();
  });
  afterAll(() => started?.close());
  const get = (): ClientStack => {
    if (!started) throw new Error('the client stack has not started');
    return started;
  };
  return {
    get srv() {
      return get().srv;
    },
    get issuer() {
      return get().issuer;
    },
    get resource() {
      return get().resource;
    },
    get user() {
      return get().user;
    },
    get host() {
      return get().host;
    },
    close: () => get().close(),
  };
}

/** Runs `body` with a loopback callback listener, closed afterwards whatever happens. */
export async function withCallbackListener<T>(body: (listener: CallbackServer) => Promise<T>): Promise<T> {
  const listener = await startCallbackServer();
  try {
    return await body(listener);
  } finally {
    await listener.close();
  }
}

/** Authorization in Chromium, then the code exchange, which must answer with bearer and refresh tokens. */
export async function authorizeAndExchange(stack: ClientStack, as: Json, shapes: CodeShapes) {
  const approval = await authorizeInBrowser(
    as.authorization_endpoint,
    shapes.authorize,
    stack.user,
    stack.issuer,
  );
  if (shapes.cimdPath) expect(stack.host.count(shapes.cimdPath)).toBeGreaterThan(0);
  const { code, verifier } = approval;
  const answer = await tokenRequest(
    as,
    { grant_type: 'authorization_code', code, code_verifier: verifier, ...(await fieldsOf(shapes.token)) },
    shapes.headers,
  );
  return { ...approval, answer, tokens: expectTokens(answer) };
}

/** A refresh with the client's fields, which must answer with new tokens, then a call with them. */
export async function refreshAndCall(
  stack: ClientStack,
  as: Json,
  shapes: Pick<CodeShapes, 'authorize' | 'refresh' | 'headers'>,
  refreshToken: string,
): Promise<Json> {
  const refreshed = expectTokens(
    await tokenRequest(
      as,
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...(await fieldsOf(shapes.refresh)) },
      shapes.headers,
    ),
  );
  await callResource(stack, refreshed.access_token, shapes.authorize.client_id!);
  return refreshed;
}

/** Authorize, exchange, call the resource, refresh, call again; returns every step's result. */
export async function runCodeFlow(stack: ClientStack, as: Json, shapes: CodeShapes) {
  const exchanged = await authorizeAndExchange(stack, as, shapes);
  await callResource(stack, exchanged.tokens.access_token, shapes.authorize.client_id!);
  const refreshed = await refreshAndCall(stack, as, shapes, exchanged.tokens.refresh_token);
  return { ...exchanged, refreshed };
}

async function fieldsOf(fields: Fields): Promise<Record<string, string>> {
  return typeof fields === 'function' ? fields() : fields;
}
