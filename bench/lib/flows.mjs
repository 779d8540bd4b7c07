/**
 * Setup phases that go through the real endpoints: one browser sign-in per server (a cookie jar that
 * follows the hosted sign-in form, or oidc-provider's interaction), then authorization codes minted
 * through /authorize with that session (the first-party client never sees a consent page), and
 * refresh tokens obtained by redeeming such codes.
 */
import { Agent, request } from 'undici';
import {
  basic,
  FORM,
  MACHINE,
  PKCE_CHALLENGE,
  PKCE_VERIFIER,
  REDIRECT_URI,
  RESOURCE,
  SCOPES,
  USER,
  WEB,
} from './common.mjs';

const agent = new Agent({ connections: 16, keepAliveTimeout: 2_000 });

class Jar {
  cookies = new Map();
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  store(headers) {
    const raw = headers['set-cookie'];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }
}

async function send(jar, url, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (jar.cookies.size) headers.cookie = jar.header();
  const res = await request(url, {
    dispatcher: agent,
    method: init.method ?? 'GET',
    headers,
    body: init.body,
  });
  jar.store(res.headers);
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}

export function authorizationUrl(server) {
  const url = new URL(server.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: WEB.id,
    redirect_uri: REDIRECT_URI,
    scope: SCOPES.join(' '),
    resource: RESOURCE,
    state: 'bench-state',
    code_challenge: PKCE_CHALLENGE,
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

const decode = (v) =>
  v
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/** Follows redirects on the server and fills in a sign-in form if one appears; returns the code. */
async function driveToCallback(jar, server, url) {
  for (let step = 0; step < 12; step++) {
    const res = await send(jar, url.method ? url.href : url, url.method ? url : {});
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      if (process.env.BENCH_VERBOSE) console.error(res.status, location);
      if (location.startsWith(REDIRECT_URI)) {
        const code = new URL(location).searchParams.get('code');
        if (!code) throw new Error(`no code in ${location}`);
        return code;
      }
      url = new URL(location, server.origin).href;
      continue;
    }
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(res.body);
    if (res.status === 200 && form && res.body.includes('name="password"')) {
      const body = new URLSearchParams();
      for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
        body.set(m[1], decode(m[2]));
      body.set('email', USER.email);
      body.set('password', USER.password);
      url = {
        href: new URL(decode(form[1]), server.origin).href,
        method: 'POST',
        body: body.toString(),
        headers: { 'content-type': FORM, origin: server.origin },
      };
      continue;
    }
    throw new Error(`${server.name}: unexpected ${res.status} during sign-in: ${res.body.slice(0, 300)}`);
  }
  throw new Error('too many redirects');
}

/** Signs the bench user in once; returns a session whose cookie jar mints codes in one request each. */
export async function signIn(server) {
  const jar = new Jar();
  await driveToCallback(jar, server, authorizationUrl(server));
  return { jar, cookie: jar.header(), url: authorizationUrl(server) };
}

/** Mints `count` authorization codes through /authorize with the signed-in session, `concurrency` at a time. */
export async function mintCodes(server, session, count, concurrency = 8) {
  const codes = [];
  let failures = 0;
  const worker = async () => {
    while (codes.length + failures < count) {
      const res = await request(session.url, { dispatcher: agent, headers: { cookie: session.cookie } });
      await res.body.dump();
      const location = res.headers.location;
      const code = location?.startsWith(REDIRECT_URI) ? new URL(location).searchParams.get('code') : null;
      if (code) codes.push(code);
      else if (++failures > 10)
        throw new Error(`${server.name}: /authorize answered ${res.statusCode} ${location}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return codes.slice(0, count);
}

/** The form body that redeems a code (PKCE verifier; the redirect_uri as RFC 6749 clients send it). */
export const codeExchangeBody = (code) =>
  new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    code_verifier: PKCE_VERIFIER,
    redirect_uri: REDIRECT_URI,
  }).toString();

export const refreshBody = (token) =>
  new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString();

export async function tokenRequest(server, body) {
  const res = await request(server.tokenEndpoint, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic(WEB) },
    body,
  });
  const json = await res.body.json();
  if (res.statusCode !== 200)
    throw new Error(`${server.name} token: ${res.statusCode} ${JSON.stringify(json)}`);
  return json;
}

/** `count` refresh tokens, each of its own grant (one code redeemed per token). */
export async function mintRefreshTokens(server, session, count) {
  const codes = await mintCodes(server, session, count);
  const tokens = [];
  for (const code of codes) tokens.push((await tokenRequest(server, codeExchangeBody(code))).refresh_token);
  return tokens;
}

export async function closeAgent() {
  await agent.close();
}

/** One client_credentials access token (a JWT) from `server`, for the JWT-introspection scenario. */
export async function mintAccessToken(server) {
  const res = await request(`${server.origin}${server.tokenPath}`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': FORM, authorization: basic(MACHINE) },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'todos.read',
      resource: RESOURCE,
    }).toString(),
  });
  const json = await res.body.json();
  if (res.statusCode !== 200)
    throw new Error(`${server.name} token: ${res.statusCode} ${JSON.stringify(json)}`);
  return json.access_token;
}
