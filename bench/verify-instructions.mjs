#!/usr/bin/env node
/**
 * Bearer verification in instructions (issue 18): `gatehouse/resource` against a bare jose
 * `jwtVerify` of the same ES256 token, counted by callgrind so the ratio does not depend on load.
 *   node bench/verify-instructions.mjs [--dist <tree>/dist] [--runs 500,3500] [--warm 3000]
 * For each verifier it runs `node` under callgrind twice, with the two iteration counts after the
 * same warm-up, and reports (difference of the totals) / (difference of the counts): the
 * instructions of one verification with start-up and warm-up cancelled out. The key set comes from
 * an in-process `fetch`, so no server and no network are involved.
 * With --child MODE N it is the measured process itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    dist: { type: 'string', default: new URL('../dist', import.meta.url).pathname },
    runs: { type: 'string', default: '500,3500' },
    warm: { type: 'string', default: '3000' },
    child: { type: 'string' },
    n: { type: 'string' },
  },
});

if (values.child) {
  const { exportJWK, generateKeyPair, jwtVerify, SignJWT } = await import('jose');
  const { createProtectedResource } = await import(join(resolve(values.dist), 'src/resource/index.js'));
  const issuer = 'http://127.0.0.1:1';
  const resource = 'http://127.0.0.1:4100/mcp';
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const iat = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ client_id: 'bench', scope: 'todos.read' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer(issuer)
    .setSubject('usr_bench')
    .setAudience(resource)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .setJti('j')
    .sign(privateKey);
  const rs = createProtectedResource({
    issuer,
    resource,
    jwksUri: `${issuer}/jwks.json`,
    fetch: async () => Response.json({ keys: [jwk] }),
  });
  const authorization = `Bearer ${token}`;
  const verifiers = {
    gatehouse: async () => {
      const r = await rs.authenticate({ authorization, url: '/mcp' }, ['todos.read']);
      if (!r.ok) throw new Error(`refused: ${r.error.description}`);
    },
    jose: () =>
      jwtVerify(token, publicKey, { issuer, audience: resource, algorithms: ['ES256'], typ: 'at+jwt' }),
  };
  const fn = verifiers[values.child];
  for (let i = 0; i < Number(values.warm); i++) await fn();
  for (let i = 0; i < Number(values.n); i++) await fn();
} else {
  const dir = join(new URL('..', import.meta.url).pathname, '.tmp/bench/callgrind/verify');
  mkdirSync(dir, { recursive: true });
  const [low, high] = values.runs.split(',').map(Number);
  const count = (mode, n) => {
    const out = join(dir, `${mode}-${n}.out`);
    execFileSync(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${out}`,
        process.execPath,
        new URL(import.meta.url).pathname,
        '--child',
        mode,
        '--n',
        String(n),
        '--warm',
        values.warm,
        '--dist',
        values.dist,
      ],
      { stdio: 'ignore' },
    );
    return Number(/^summary: (\d+)/m.exec(readFileSync(out, 'utf8'))?.[1]);
  };
  const result = {};
  for (const mode of ['gatehouse', 'jose']) {
    result[mode] = Math.round((count(mode, high) - count(mode, low)) / (high - low));
    console.error(`${mode}: ${result[mode]} instructions per verification`);
  }
  result.ratio = Number((result.gatehouse / result.jose).toFixed(3));
  console.log(JSON.stringify(result));
}
