/**
 * In-process measurements, one core, no HTTP load generator (run by bench/run.mjs as its own process;
 * prints JSON on stdout). The same methods as bench/verify.bench.ts and bench/authorize.bench.ts, but
 * against the built dist/ so they run without vitest:
 * - bearer verification: `gatehouse/resource` authenticate() (bearer extraction, RFC 9068 checks,
 *   cached JWKS, scope check) next to a bare `jose.jwtVerify` of the same token and key;
 * - /authorize up to the sign-in redirect for a preregistered client and for a cached CIMD client,
 *   through gh.fetch (client resolution is the difference: a database read either way, plus the CIMD
 *   freshness check).
 * Each case runs in alternating 1 s slices (after a 0.5 s warm-up), 3 slices each; medians reported.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { listen } from '../../dist/src/adapters/node.js';
import { createGatehouse } from '../../dist/src/index.js';
import { createProtectedResource } from '../../dist/src/resource/index.js';
import { median, RESOURCE } from './common.mjs';
import { TMP } from './servers.mjs';

const PORT = 4630;
const ISSUER = `http://127.0.0.1:${PORT}`;
const CIMD_CLIENT = 'https://tool.example.com/oauth/client.json';
const DB = join(TMP, `inprocess-${process.pid}.db`);

async function slice(fn, ms) {
  let ops = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await fn();
    ops += 50;
  }
  return ops / ((performance.now() - start) / 1000);
}

async function compare(cases) {
  for (const fn of Object.values(cases)) await slice(fn, 500);
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of Object.entries(cases)) samples[name].push(await slice(fn, 1000));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [
      k,
      { opsPerSec: median(v), meanMs: 1000 / median(v), samples: v },
    ]),
  );
}

const cimdFetch = async () =>
  new Response(
    JSON.stringify({
      client_id: CIMD_CLIENT,
      client_name: 'Portable Tool',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
    }),
    { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=86400' } },
  );

const gh = await createGatehouse({
  issuer: ISSUER,
  database: `sqlite:${DB}`,
  secret: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
  logger: false,
  resources: [{ resource: RESOURCE, scopes: ['todos.read', 'todos.write'] }],
  clients: [
    {
      client_id: 'native-app',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    },
  ],
  cimd: { enabled: true, fetch: cimdFetch },
});
const { server } = await listen(gh, { port: PORT, host: '127.0.0.1' });
try {
  // Bearer verification.
  const key = gh.keys.signingKey();
  const iat = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    iss: ISSUER,
    sub: 'usr_bench',
    aud: RESOURCE,
    client_id: 'bench',
    scope: 'todos.read',
    iat,
    exp: iat + 3600,
    jti: 'j',
  })
    .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid })
    .sign(key.privateKey);
  const authorization = `Bearer ${token}`;
  const rs = createProtectedResource({
    issuer: ISSUER,
    resource: RESOURCE,
    scopeHierarchy: { 'todos.write': ['todos.read'] },
  });
  const warm = await rs.authenticate({ authorization }, ['todos.read']);
  if (!warm.ok) throw new Error(warm.error.description);
  const verify = await compare({
    gatehouse: async () => {
      const result = await rs.authenticate({ authorization, url: '/mcp' }, ['todos.read']);
      if (!result.ok) throw new Error('refused');
    },
    jose: () =>
      jwtVerify(token, key.publicKey, {
        issuer: ISSUER,
        audience: RESOURCE,
        algorithms: ['ES256'],
        typ: 'at+jwt',
      }),
  });
  verify.slowdown = verify.jose.opsPerSec / verify.gatehouse.opsPerSec;

  // /authorize up to the sign-in redirect.
  const url = (clientId) =>
    `${ISSUER}/authorize?${new URLSearchParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:5000/callback',
      response_type: 'code',
      state: 'bench',
      resource: RESOURCE,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;
  const first = await gh.fetch(new Request(url(CIMD_CLIENT)));
  if (first.status !== 302) throw new Error(`CIMD warm-up failed: ${first.status}`);
  const authorize = await compare({
    preregistered: async () => {
      const res = await gh.fetch(new Request(url('native-app')));
      if (res.status !== 302) throw new Error(`preregistered: ${res.status}`);
    },
    cimd: async () => {
      const res = await gh.fetch(new Request(url(CIMD_CLIENT)));
      if (res.status !== 302) throw new Error(`cimd: ${res.status}`);
    },
  });
  process.stdout.write(JSON.stringify({ verify, authorize }));
} finally {
  server.close();
  server.closeAllConnections?.();
  await gh.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${DB}${suffix}`, { force: true });
}
