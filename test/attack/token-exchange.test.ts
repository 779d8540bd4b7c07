import { describe, expect, it } from 'vitest';
import { createGatehouse } from '../../src/index.js';
import { RESOURCE } from '../helpers/fixtures.js';
import {
  basic,
  decodeJwt,
  fakeClock,
  isActive,
  obtainTokens,
  revoke,
  tokenRequest,
  useServer,
} from '../helpers/oauth.js';
import { TEST_SECRET } from '../helpers/server.js';
import {
  ARCHIVE,
  EXCHANGER_SECRET,
  exchange,
  exchangeOptions,
  FILES,
  FILES_SERVER_AUTH,
  TOKEN_EXCHANGE,
  UNRULED,
  userTokenForA,
} from '../helpers/token-exchange.js';

/**
 * Token exchange (RFC 8693) attacked: who may exchange, to what, with which scope, and what a
 * subject token must be (src/grants/token-exchange.ts, docs/enterprise.md, docs/security.md).
 */

describe('token exchange: who may exchange', () => {
  const srv = useServer(exchangeOptions);

  it("a leaked token for A exchanged by an unrelated confidential client (allowed for B, not A's) is refused", async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(srv(), access_token, {}, basic('rogue', EXCHANGER_SECRET));
    expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
    expect(r.body.access_token).toBeUndefined();
  });

  it("a client whose empty resource list allows A is still not A's client: refused", async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(srv(), access_token, {}, basic('rogue-open', EXCHANGER_SECRET));
    expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
  });

  it('a client without the grant type (even a confidential one) is unauthorized_client', async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(
      srv(),
      access_token,
      {},
      basic('web-app', 'confidential-secret-0123456789-abcdefghij'),
    );
    expect([r.status, r.body.error]).toEqual([400, 'unauthorized_client']);
  });

  it('a public client cannot exchange, and cannot be configured to', async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(srv(), access_token, { client_id: 'native-app' }, null);
    expect([r.status, r.body.error]).toEqual([400, 'unauthorized_client']);
    await expect(
      createGatehouse({
        issuer: 'http://127.0.0.1:1',
        secret: TEST_SECRET,
        database: 'sqlite::memory:',
        clients: [
          {
            client_id: 'public-exchanger',
            redirect_uris: ['http://127.0.0.1/cb'],
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code', TOKEN_EXCHANGE],
          },
        ],
      }),
    ).rejects.toThrow(/token exchange needs a client_secret or private_key_jwt/);
  });

  it('a wrong client secret is invalid_client (401), nothing issued', async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(
      srv(),
      access_token,
      {},
      basic('mcp-server', 'wrong-secret-0123456789-abcdefghijklmn'),
    );
    expect([r.status, r.body.error]).toEqual([401, 'invalid_client']);
  });

  it('every refusal is audited with its reason, and never with the token', async () => {
    const { access_token } = await userTokenForA(srv());
    await exchange(srv(), access_token, {}, basic('rogue', EXCHANGER_SECRET));
    const events = await srv().gh.store.listAuditEvents({ type: 'token.exchange_refused', limit: 10 });
    const mine = events.find((e) => e.clientId === 'rogue');
    expect(mine?.detail).toMatchObject({ error: 'invalid_request' });
    expect(JSON.stringify(events)).not.toContain(access_token);
  });
});

describe('token exchange: targets and scopes', () => {
  const srv = useServer(exchangeOptions);

  it('a target no rule leads to (though the client may hold it) is invalid_target', async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(srv(), access_token, { resource: UNRULED });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_target']);
  });

  it('a target the client may not hold (the rule exists for others) is invalid_target', async () => {
    const first = await exchange(srv(), (await userTokenForA(srv())).access_token);
    expect(first.status).toBe(200);
    // mcp-server may not hold ARCHIVE tokens; B→C exists, but not for mcp-server.
    const r = await exchange(srv(), first.body.access_token, { resource: ARCHIVE });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_target']);
  });

  it('the admin API, an unknown resource, two different targets, or none: invalid_target', async () => {
    const { access_token } = await userTokenForA(srv());
    for (const extra of [
      { resource: `${srv().issuer}/admin` },
      { resource: 'https://unknown.test/api' },
      { resource: FILES, audience: UNRULED },
      { resource: undefined },
    ]) {
      const r = await exchange(srv(), access_token, extra);
      expect([r.status, r.body.error], JSON.stringify(extra)).toEqual([400, 'invalid_target']);
    }
  });

  it('scope widening beyond the subject token is invalid_scope; the granted scope never exceeds it', async () => {
    const { access_token } = await userTokenForA(srv(), 'todos.read files.read');
    const wider = await exchange(srv(), access_token, { scope: 'files.read files.write' });
    expect([wider.status, wider.body.error]).toEqual([400, 'invalid_scope']);
    const all = await exchange(srv(), access_token);
    expect(all.status).toBe(200);
    expect(all.body.scope).toBe('files.read');
    expect(decodeJwt(all.body.access_token).payload.scope).toBe('files.read');
  });

  it("scope beyond the rule (B→C carries files.read only) is invalid_scope; A's own scopes never carry", async () => {
    const { access_token } = await userTokenForA(srv(), 'todos.read todos.write files.read files.write');
    const todos = await exchange(srv(), access_token, { scope: 'todos.read' });
    expect([todos.status, todos.body.error]).toEqual([400, 'invalid_scope']);
    const b = await exchange(srv(), access_token);
    expect(b.body.scope).toBe('files.read files.write');
    const c = await exchange(
      srv(),
      b.body.access_token,
      { resource: ARCHIVE, scope: 'files.write' },
      FILES_SERVER_AUTH,
    );
    expect([c.status, c.body.error]).toEqual([400, 'invalid_scope']);
  });

  it('a subject token with nothing that carries over is invalid_scope', async () => {
    const { access_token } = await userTokenForA(srv(), 'todos.read');
    const r = await exchange(srv(), access_token);
    expect([r.status, r.body.error]).toEqual([400, 'invalid_scope']);
  });
});

describe('token exchange: the subject token', () => {
  const srv = useServer(exchangeOptions);

  it('a refresh token, an ID token, a client_credentials token or junk as subject_token: invalid_request', async () => {
    const user = await obtainTokens(srv(), { scope: 'openid files.read', resource: RESOURCE });
    const machine = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', resource: RESOURCE },
      { authorization: basic('machine', 'machine-secret-0123456789-abcdefghijklmnop') },
    );
    expect(machine.status).toBe(200);
    const idToken = (user as unknown as { id_token: string }).id_token;
    expect(idToken).toBeTruthy();
    for (const subject of [user.refresh_token!, idToken, machine.body.access_token, 'not-a-token']) {
      const r = await exchange(srv(), subject);
      expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
    }
  });

  it('an access token presented as another subject_token_type, or with an actor_token: invalid_request', async () => {
    const { access_token } = await userTokenForA(srv());
    for (const extra of [
      { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' },
      { subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
      { subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' },
      { subject_token_type: undefined },
      { subject_token: undefined },
      { actor_token: access_token, actor_token_type: 'urn:ietf:params:oauth:token-type:access_token' },
      { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
    ]) {
      const r = await exchange(srv(), access_token, extra);
      expect([r.status, r.body.error], JSON.stringify(extra)).toEqual([400, 'invalid_request']);
    }
  });

  it("a token for another resource (B) cannot be exchanged by A's client, even to a ruled target", async () => {
    const b = await exchange(srv(), (await userTokenForA(srv())).access_token);
    expect(b.status).toBe(200);
    // mcp-server lists FILES, but FILES→FILES has no rule, and FILES→ARCHIVE is not for it.
    const again = await exchange(srv(), b.body.access_token);
    expect(again.status).toBe(400);
    expect(['invalid_target', 'invalid_request']).toContain(again.body.error);
  });

  it('a revoked subject token is refused; revoking the original grant deactivates the exchanged token', async () => {
    const first = await userTokenForA(srv());
    await revoke(srv(), { token: first.access_token, client_id: 'native-app' });
    const r = await exchange(srv(), first.access_token);
    expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);

    const second = await userTokenForA(srv());
    const exchanged = await exchange(srv(), second.access_token);
    expect(exchanged.status).toBe(200);
    expect(await isActive(srv(), exchanged.body.access_token)).toBe(true);
    await revoke(srv(), { token: second.refresh_token!, client_id: 'native-app' });
    expect(await isActive(srv(), exchanged.body.access_token)).toBe(false);
    const after = await exchange(srv(), second.access_token);
    expect([after.status, after.body.error]).toEqual([400, 'invalid_request']);
  });

  it('a token altered after signing is refused', async () => {
    const { access_token } = await userTokenForA(srv(), 'todos.read files.read');
    const [h, p, s] = access_token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.scope = 'files.read files.write';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    const r = await exchange(srv(), forged, { scope: 'files.write' });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
  });
});

describe('token exchange: chains and actors', () => {
  const srv = useServer(exchangeOptions);

  it('A→B→C nests act (RFC 8693 §4.1) and keeps sub and the grant; C→… with no rule is refused', async () => {
    const user = await userTokenForA(srv(), 'files.read files.write');
    const sub = decodeJwt(user.access_token).payload.sub;
    const b = await exchange(srv(), user.access_token);
    expect(b.status).toBe(200);
    const bClaims = decodeJwt(b.body.access_token).payload;
    expect(bClaims).toMatchObject({ sub, aud: FILES, client_id: 'mcp-server', act: { sub: 'mcp-server' } });
    const c = await exchange(srv(), b.body.access_token, { resource: ARCHIVE }, FILES_SERVER_AUTH);
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    const cClaims = decodeJwt(c.body.access_token).payload;
    expect(cClaims).toMatchObject({
      sub,
      aud: ARCHIVE,
      scope: 'files.read',
      gid: decodeJwt(user.access_token).payload.gid,
      act: { sub: 'files-server', act: { sub: 'mcp-server' } },
    });
    // No rule leads on from C (nor back from C to B).
    const d = await exchange(srv(), c.body.access_token, { resource: FILES }, FILES_SERVER_AUTH);
    expect(d.status).toBe(400);
    expect(['invalid_target', 'invalid_request']).toContain(d.body.error);
    // Revoking the user's grant deactivates every token down the chain.
    await revoke(srv(), { token: user.refresh_token!, client_id: 'native-app' });
    expect(await isActive(srv(), b.body.access_token)).toBe(false);
    expect(await isActive(srv(), c.body.access_token)).toBe(false);
  });

  it("a chain is allowed only where the policy says: without B→C, B's token does not reach C", async () => {
    const { access_token } = await userTokenForA(srv(), 'files.read');
    const b = await exchange(srv(), access_token);
    // files-server may hold ARCHIVE tokens, but UNRULED is not listed for it and no rule B→UNRULED exists.
    const r = await exchange(srv(), b.body.access_token, { resource: UNRULED }, FILES_SERVER_AUTH);
    expect([r.status, r.body.error]).toEqual([400, 'invalid_target']);
  });
});

describe('token exchange: lifetime', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({ ...exchangeOptions(), clock: clock.now }));

  it('the exchanged token ends no later than the subject token; an expired subject token is refused', async () => {
    const { access_token } = await userTokenForA(srv());
    const subjectExp = decodeJwt(access_token).payload.exp as number;
    clock.advance((srv().gh.config.tokens.accessTokenTtl - 60) * 1000);
    const r = await exchange(srv(), access_token);
    expect(r.status).toBe(200);
    expect(r.body.expires_in).toBeLessThanOrEqual(60);
    expect(decodeJwt(r.body.access_token).payload.exp).toBeLessThanOrEqual(subjectExp);
    clock.advance(61_000);
    const late = await exchange(srv(), access_token);
    expect([late.status, late.body.error]).toEqual([400, 'invalid_request']);
    expect(await isActive(srv(), r.body.access_token)).toBe(false);
  });
});
