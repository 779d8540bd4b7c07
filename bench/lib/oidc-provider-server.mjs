/**
 * oidc-provider 9.x configured like the Gatehouse under test, run as its own process so the two
 * servers never share an event loop. Usage: node oidc-provider-server.mjs <database>
 *
 * Equivalence with Gatehouse: ES256-signed RFC 9068 JWT access tokens for one resource indicator
 * (features.resourceIndicators, accessTokenFormat 'jwt'), the same scopes, client_secret_basic
 * confidential clients, PKCE S256 required, refresh tokens always rotated, storage in the same
 * database kind through ./oidc-sql-adapter.mjs — or, with the database `memory`, oidc-provider's own
 * in-memory store (its fastest configuration, issue 18). Sign-in is one automatic interaction (the
 * bench user) and consent is pre-granted through loadExistingGrant, like Gatehouse's first-party client.
 * Usage: node oidc-provider-server.mjs <database|memory> [port]
 */
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { HOST, MACHINE, OIDC_PORT, REDIRECT_URI, RESOURCE, SCOPES, WEB } from './common.mjs';
import { sqlAdapter } from './oidc-sql-adapter.mjs';

const database = process.argv[2] ?? 'sqlite::memory:';
const port = Number(process.argv[3] ?? OIDC_PORT);
const OIDC_ISSUER = `http://${HOST}:${port}`;
// No adapter: oidc-provider's built-in in-memory store.
const Adapter = database === 'memory' ? undefined : (await sqlAdapter(database)).Adapter;
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

const resourceServer = {
  scope: SCOPES.join(' '),
  audience: RESOURCE,
  accessTokenTTL: 3600,
  accessTokenFormat: 'jwt',
  jwt: { sign: { alg: 'ES256' } },
};

const provider = new Provider(OIDC_ISSUER, {
  ...(Adapter ? { adapter: Adapter } : {}),
  jwks: { keys: [jwk] },
  clients: [
    {
      client_id: MACHINE.id,
      client_secret: MACHINE.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    {
      client_id: WEB.id,
      client_secret: WEB.secret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== RESOURCE) throw new errors.InvalidTarget();
        return resourceServer;
      },
    },
  },
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access'],
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  // First-party behaviour: the bench user's consent to the bench client is already on record.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const existing = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    if (existing) {
      const grant = await oidc.provider.Grant.find(existing);
      if (grant) return grant;
    }
    if (!oidc.session.accountId) return undefined;
    const grant = new oidc.provider.Grant({
      clientId: oidc.client.clientId,
      accountId: oidc.session.accountId,
    });
    grant.addOIDCScope('openid');
    grant.addResourceScope(RESOURCE, SCOPES.join(' '));
    await grant.save();
    return grant;
  },
  // Gatehouse's user-grant tokens also carry gid and auth_time: add the same claims so sizes match.
  extraTokenClaims: async (_ctx, token) =>
    token.grantId && token.accountId
      ? { gid: token.grantId, auth_time: Math.floor(Date.now() / 1000) }
      : undefined,
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 600,
    ClientCredentials: 3600,
    Grant: 14 * 86400,
    Interaction: 3600,
    RefreshToken: 14 * 86400,
    Session: 7 * 86400,
    IdToken: 3600,
  },
});
provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));

const callback = provider.callback();
const server = createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    // The sign-in page, answered at once for the bench user (Gatehouse's session is made the same way:
    // one real sign-in ahead of the measurement).
    provider
      .interactionDetails(req, res)
      .then((details) => {
        if (process.env.BENCH_VERBOSE) console.error('interaction', details.prompt);
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId: 'usr_bench' } },
          { mergeWithLastSubmission: false },
        );
      })
      .catch((error) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    return;
  }
  callback(req, res);
});
server.listen(port, HOST, () => console.log(`oidc-provider ready: ${OIDC_ISSUER}`));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
