/**
 * The floor: a bare node:http server doing only the irreducible work of each stateless request, with
 * the same crypto as the servers under test (issue 18). Usage: node floor-server.mjs <port>
 *
 * - POST /token (client_credentials): read the body, parse the form, decode the Basic credentials,
 *   constant-time compare the SHA-256 of the presented secret with the stored hash, check grant type,
 *   scope and resource, sign an ES256 RFC 9068 JWT with jose, write the JSON response.
 * - POST /introspect (a JWT access token): the same client authentication, then jose's jwtVerify of
 *   the token against the public key, and the claims written as JSON.
 * - GET /.well-known/oauth-authorization-server and /jwks.json: JSON serialized once at start, written.
 * Nothing else: no routing table, no limits, no logging, no storage. Not a server anyone should deploy.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { HOST, MACHINE, RESOURCE, SCOPES } from './common.mjs';

const port = Number(process.argv[2]);
const issuer = `http://${HOST}:${port}`;
const { privateKey, publicKey } = await generateKeyPair('ES256');
const kid = 'floor-es256';
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
const metadata = JSON.stringify({
  issuer,
  token_endpoint: `${issuer}/token`,
  introspection_endpoint: `${issuer}/introspect`,
  jwks_uri: `${issuer}/jwks.json`,
  grant_types_supported: ['client_credentials'],
  token_endpoint_auth_methods_supported: ['client_secret_basic'],
  scopes_supported: SCOPES,
});
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
  const jwt = await new SignJWT({ client_id: client.id, scope: scope.join(' ') })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .setIssuer(issuer)
    .setSubject(client.id)
    .setAudience(RESOURCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .setJti(randomBytes(16).toString('base64url'))
    .sign(privateKey);
  return [
    200,
    JSON.stringify({ access_token: jwt, token_type: 'Bearer', expires_in: 3600, scope: scope.join(' ') }),
  ];
}

async function introspect(form) {
  try {
    const { payload } = await jwtVerify(form.get('token') ?? '', publicKey, { issuer, typ: 'at+jwt' });
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
