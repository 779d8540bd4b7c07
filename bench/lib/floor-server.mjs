/**
 * The floor: a bare node:http server doing only the irreducible work of each stateless request, with
 * the same crypto as the servers under test (issue 18). Usage: node floor-server.mjs <port>
 *
 * - POST /token (client_credentials): read the body, parse the form, decode the Basic credentials,
 *   constant-time compare the SHA-256 of the presented secret with the stored hash, check grant type,
 *   scope and resource, sign an ES256 RFC 9068 JWT, write the JSON response. The signature is the
 *   cheapest Node offers and the one Gatehouse uses: node:crypto `sign()` with a callback (a job on
 *   libuv's thread pool; jose's WebCrypto path costs ~20 % more instructions per signature).
 * - POST /introspect (a JWT access token): the same client authentication, then node:crypto `verify()`
 *   of the signature against the public key, the typ, iss and exp checks, and the claims written as
 *   JSON.
 * - GET /.well-known/oauth-authorization-server and /jwks.json: JSON serialized once at start, written.
 * Nothing else: no routing table, no limits, no logging, no storage. Not a server anyone should deploy.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, timingSafeEqual, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { HOST, MACHINE, RESOURCE, SCOPES } from './common.mjs';

const port = Number(process.argv[2]);
const issuer = `http://${HOST}:${port}`;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = 'floor-es256';
const jwks = JSON.stringify({
  keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }],
});
const metadata = JSON.stringify({
  issuer,
  token_endpoint: `${issuer}/token`,
  introspection_endpoint: `${issuer}/introspect`,
  jwks_uri: `${issuer}/jwks.json`,
  grant_types_supported: ['client_credentials'],
  token_endpoint_auth_methods_supported: ['client_secret_basic'],
  scopes_supported: SCOPES,
});
const HEADER = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid })).toString('base64url');
// ES256 signatures in the JWS (IEEE P1363) form, RFC 7518 §3.4.
const SIGNING_KEY = { key: privateKey, dsaEncoding: 'ieee-p1363' };
const VERIFY_KEY = { key: publicKey, dsaEncoding: 'ieee-p1363' };
const sha256 = (s) => createHash('sha256').update(s).digest();
const clients = new Map([[MACHINE.id, { hash: sha256(MACHINE.secret), scopes: new Set(SCOPES) }]]);

function send(res, status, body) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Basic credentials (RFC 6749 §2.3.1: form-urlencoded id and secret) checked against the stored hash. */
function authenticate(header) {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = decodeURIComponent(decoded.slice(0, colon));
  const client = clients.get(id);
  const presented = sha256(decodeURIComponent(decoded.slice(colon + 1)));
  return client && timingSafeEqual(presented, client.hash) ? { id, ...client } : undefined;
}

async function token(form, client) {
  if (form.get('grant_type') !== 'client_credentials') return [400, '{"error":"unsupported_grant_type"}'];
  const scope = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (!scope.every((s) => client.scopes.has(s))) return [400, '{"error":"invalid_scope"}'];
  if (form.get('resource') !== RESOURCE) return [400, '{"error":"invalid_target"}'];
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: issuer,
    sub: client.id,
    aud: RESOURCE,
    iat: now,
    exp: now + 3600,
    jti: randomBytes(16).toString('base64url'),
    client_id: client.id,
    scope: scope.join(' '),
  };
  const input = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const jwt = await new Promise((resolve, reject) =>
    sign('sha256', Buffer.from(input), SIGNING_KEY, (error, signature) =>
      error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`),
    ),
  );
  return [
    200,
    JSON.stringify({ access_token: jwt, token_type: 'Bearer', expires_in: 3600, scope: scope.join(' ') }),
  ];
}

async function introspect(form) {
  const parts = (form.get('token') ?? '').split('.');
  if (parts.length !== 3) return [200, '{"active":false}'];
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (header.alg !== 'ES256' || header.typ !== 'at+jwt') return [200, '{"active":false}'];
    if (!verify('sha256', signed, VERIFY_KEY, Buffer.from(parts[2], 'base64url')))
      return [200, '{"active":false}'];
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (payload.iss !== issuer || !(payload.exp > Date.now() / 1000)) return [200, '{"active":false}'];
    return [200, JSON.stringify({ active: true, ...payload })];
  } catch {
    return [200, '{"active":false}'];
  }
}

function post(req, res, handler) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const client = authenticate(req.headers.authorization);
    if (!client) return send(res, 401, '{"error":"invalid_client"}');
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    handler(form, client).then(([status, body]) => send(res, status, body));
  });
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/jwks.json') return send(res, 200, jwks);
  if (req.method === 'GET' && req.url === '/.well-known/oauth-authorization-server')
    return send(res, 200, metadata);
  if (req.method === 'POST' && req.url === '/token') return post(req, res, token);
  if (req.method === 'POST' && req.url === '/introspect') return post(req, res, introspect);
  send(res, 404, '{"error":"not_found"}');
});
server.listen(port, HOST, () => console.log(`floor ready: ${issuer}`));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
