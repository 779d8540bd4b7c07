/**
 * The HTTP scenarios. Each `prepare(server, state)` returns autocannon options for one run (minting
 * whatever credentials the run consumes first, outside the measured window); `verify` (optional)
 * checks the run afterwards. `storage: false` scenarios are measured once, on the first backend.
 * `peers` names what Gatehouse is compared with in the same rounds (issue 18): stateless requests
 * against the floor, oidc-provider in memory (its fastest configuration) and oidc-provider on SQL;
 * stateful ones against oidc-provider on a database of the same kind as Gatehouse's.
 */
import { basic, FORM, isCodeRedirect, MACHINE, RESOURCE, WEB } from './common.mjs';
import { checkRotations } from './db-check.mjs';
import { codeExchangeBody, mintAccessToken, mintCodes, mintRefreshTokens, refreshBody } from './flows.mjs';
import { consumingRequests, rotatingRequests } from './load.mjs';

const post = (path, authorization, body) => ({
  method: 'POST',
  requests: [{ method: 'POST', path, headers: { 'content-type': FORM, authorization }, body }],
});

const STATELESS = ['floor', 'oidc-provider-memory', 'oidc-provider'];
const STATEFUL = ['oidc-provider'];

export const SCENARIOS = {
  metadata: {
    label: 'metadata (discovery document)',
    storage: false,
    peers: STATELESS,
    prepare: (s) => ({ requests: [{ method: 'GET', path: s.metadataPath }] }),
  },
  jwks: {
    label: 'JWKS',
    storage: false,
    peers: STATELESS,
    prepare: (s) => ({ requests: [{ method: 'GET', path: s.jwksPath }] }),
  },
  client_credentials: {
    label: 'client_credentials (ES256 JWT)',
    storage: true,
    peers: STATELESS,
    prepare: (s) =>
      post(
        s.tokenPath,
        basic(MACHINE),
        new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'todos.read',
          resource: RESOURCE,
        }).toString(),
      ),
  },
  introspection_jwt: {
    // A JWT access token: verification only. oidc-provider does not introspect its JWT access tokens
    // (it answers active: false without verifying), so only the floor does the same work.
    label: 'introspection (JWT access token)',
    storage: false,
    peers: ['floor'],
    prepare: async (s, state) => {
      state.accessToken ??= await mintAccessToken(s);
      return post(
        s.introspectPath,
        basic(MACHINE),
        new URLSearchParams({ token: state.accessToken }).toString(),
      );
    },
  },
  introspection: {
    // A stored, opaque credential: both servers look the refresh token up.
    label: 'introspection (refresh token)',
    storage: true,
    peers: STATEFUL,
    prepare: async (s, state) => {
      state.introspected ??= (await mintRefreshTokens(s, state.session, 1))[0];
      return post(
        s.introspectPath,
        basic(WEB),
        new URLSearchParams({ token: state.introspected }).toString(),
      );
    },
  },
  refresh_token: {
    label: 'refresh_token rotation',
    storage: true,
    peers: STATEFUL,
    boundByAmount: true,
    prepare: async (s, state) => {
      const seeds = await mintRefreshTokens(s, state.session, 30);
      const r = rotatingRequests(
        s.tokenPath,
        { 'content-type': FORM, authorization: basic(WEB) },
        seeds,
        refreshBody,
      );
      state.chains = r.chains;
      return { requests: r.requests };
    },
    verify: async (s, state) =>
      s.name === 'gatehouse' ? checkRotations(state.database, state.chains) : undefined,
  },
  authorize: {
    // The signed-in /authorize of a first-party client: one code issued (and stored) per request.
    label: '/authorize, signed in (issues a code)',
    storage: true,
    peers: STATEFUL,
    prepare: (_s, state) => {
      const url = new URL(state.session.url);
      let codes = 0;
      return {
        countOk: () => codes,
        requests: [
          {
            method: 'GET',
            path: url.pathname + url.search,
            headers: { cookie: state.session.cookie },
            onResponse: (status, _body, _context, headers) => {
              if (status >= 300 && status < 400 && isCodeRedirect(status, headers)) codes += 1;
            },
          },
        ],
      };
    },
  },
  authorization_code: {
    label: 'authorization_code exchange (PKCE)',
    storage: true,
    peers: STATEFUL,
    prepare: async (s, state) => {
      const codes = await mintCodes(s, state.session, state.options.codes);
      return consumingRequests(
        s.tokenPath,
        { 'content-type': FORM, authorization: basic(WEB) },
        codes,
        codeExchangeBody,
      );
    },
  },
};
