import type { createPublicKey } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { createProtectedResource, type ProtectedResource } from '../src/resource/index.js';
import { startServer, type TestServer } from '../test/helpers/server.js';

/**
 * Verifications per second of `gatehouse/resource` (bearer extraction, RFC 9068 checks with a cached
 * JWKS, scope check) next to a bare `jose.jwtVerify` of the same token with the same key and claim
 * options. One worker, so one core. Target: within 1.5× of bare jose. Run: `npx vitest bench --run bench/verify.bench.ts`.
 */

const RESOURCE = 'http://127.0.0.1:4100/mcp';
const OPTIONS = { time: 2_000, warmupTime: 500 };
let srv: TestServer;
let rs: ProtectedResource;
let token: string;
let authorization: string;
let publicKey: ReturnType<typeof createPublicKey>;

beforeAll(async () => {
  srv = await startServer({ resources: [{ resource: RESOURCE, scopes: ['todos.read', 'todos.write'] }] });
  const key = srv.gh.keys.signingKey();
  publicKey = key.publicKey;
  const iat = Math.floor(Date.now() / 1000);
  token = await new SignJWT({
    iss: srv.issuer,
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
  authorization = `Bearer ${token}`;
  rs = createProtectedResource({
    issuer: srv.issuer,
    resource: RESOURCE,
    scopeHierarchy: { 'todos.write': ['todos.read'] },
  });
  const warm = await rs.authenticate({ authorization }, ['todos.read']);
  if (!warm.ok) throw new Error(warm.error.description);
});

afterAll(() => srv?.close());

describe('access token verification, one core', () => {
  bench(
    'gatehouse/resource authenticate()',
    async () => {
      const result = await rs.authenticate({ authorization, url: '/mcp' }, ['todos.read']);
      if (!result.ok) throw new Error('refused');
    },
    OPTIONS,
  );

  bench(
    'bare jose.jwtVerify',
    async () => {
      await jwtVerify(token, publicKey, {
        issuer: srv.issuer,
        audience: RESOURCE,
        algorithms: ['ES256'],
        typ: 'at+jwt',
      });
    },
    OPTIONS,
  );
});
