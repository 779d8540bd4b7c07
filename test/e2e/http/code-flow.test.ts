import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOptions, RESOURCE, USER } from '../../helpers/fixtures.js';
import { type AdapterName, startServer, type TestServer } from '../../helpers/server.js';
import { UserAgent } from '../../helpers/user-agent.js';

const insecure = { [oauth.allowInsecureRequests]: true };

describe.each<AdapterName>(['node', 'express'])(
  'authorization code flow through the %s adapter (oauth4webapi)',
  (adapter) => {
    let srv: TestServer;
    let as: oauth.AuthorizationServer;
    const client: oauth.Client = { client_id: 'native-app' };
    const redirectUri = 'http://127.0.0.1:53123/callback';

    beforeAll(async () => {
      srv = await startServer(baseOptions(), adapter);
      const issuer = new URL(srv.issuer);
      as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
      );
    });
    afterAll(() => srv.close());

    async function authorize(scope = 'todos.read todos.write') {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      url.searchParams.set('client_id', client.client_id);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', scope);
      url.searchParams.set('state', state);
      url.searchParams.set('resource', RESOURCE);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      const agent = new UserAgent(srv.origin);
      const { location } = await agent.authorize(url.href, USER);
      expect(location).toBeDefined();
      const params = oauth.validateAuthResponse(as, client, new URL(location!), state);
      return { params, verifier, agent };
    }

    it('issues an audience-bound RFC 9068 access token and a rotating refresh token', async () => {
      const { params, verifier } = await authorize();
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        redirectUri,
        verifier,
        {
          additionalParameters: { resource: RESOURCE },
          ...insecure,
        },
      );
      expect(response.headers.get('cache-control')).toBe('no-store');
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.scope).toBe('todos.read todos.write');
      expect(tokens.refresh_token).toMatch(/^ghr_/);

      const claims = await oauth.validateJwtAccessToken(
        as,
        new Request(RESOURCE, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
        RESOURCE,
        insecure,
      );
      expect(claims.aud).toBe(RESOURCE);
      expect(claims.client_id).toBe('native-app');
      expect(claims.iss).toBe(srv.issuer);
      expect(claims.sub).toMatch(/^usr_/);

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
          additionalParameters: { resource: RESOURCE },
          ...insecure,
        }),
      );
      expect(refreshed.refresh_token).toBeDefined();
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    });
  },
);
