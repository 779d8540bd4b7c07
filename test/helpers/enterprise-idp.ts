import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * A local "enterprise IdP" for ID-JAG tests: it signs ID-JAGs (draft-ietf-oauth-identity-assertion-
 * authz-grant §3.1) with jose and serves its JWKS from a loopback node:http server, whose answer a test
 * can change (rotate the key, oversize the set, redirect) and whose fetches it can count.
 */
export interface IdpKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function idpKey(kid: string, alg = 'ES256'): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface IdJagInput {
  /** Gatehouse's issuer (the ID-JAG's aud). */
  audience: string;
  clientId: string;
  resource?: string;
  sub?: string;
  email?: string;
  scope?: string;
}

export class EnterpriseIdp {
  issuer = '';
  jwksUri = '';
  fetches = 0;
  /** What GET /jwks answers: the published keys, an oversized set, or a redirect. */
  mode: 'keys' | 'oversized' | 'redirect' = 'keys';
  published: IdpKey[];
  private server?: Server;

  constructor(
    public signing: IdpKey,
    readonly alg = 'ES256',
  ) {
    this.published = [signing];
  }

  static async start(): Promise<EnterpriseIdp> {
    const idp = new EnterpriseIdp(await idpKey('k1'));
    idp.server = createServer((_req, res) => {
      idp.fetches++;
      if (idp.mode === 'redirect') {
        res.writeHead(302, { location: `${idp.issuer}/jwks-elsewhere` }).end();
        return;
      }
      const keys = idp.published.map((k) => k.jwk);
      const body =
        idp.mode === 'oversized'
          ? JSON.stringify({ keys, padding: 'x'.repeat(40_000) })
          : JSON.stringify({ keys });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' }).end(body);
    });
    await new Promise<void>((resolve) => idp.server!.listen(0, '127.0.0.1', resolve));
    const { port } = idp.server.address() as AddressInfo;
    idp.issuer = `http://127.0.0.1:${port}`;
    idp.jwksUri = `${idp.issuer}/jwks`;
    return idp;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** A valid ID-JAG for `input`, with claim and header overrides (`undefined` removes a claim). */
  async sign(
    input: IdJagInput,
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key: IdpKey = this.signing,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      sub: input.sub ?? 'U019488227',
      aud: input.audience,
      client_id: input.clientId,
      jti: crypto.randomUUID(),
      iat: now,
      exp: now + 120,
      ...(input.resource === undefined ? {} : { resource: input.resource }),
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(input.scope === undefined ? {} : { scope: input.scope }),
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: this.alg, typ: 'oauth-id-jag+jwt', kid: key.kid, ...header })
      .sign(key.privateKey);
  }
}

/** An unsigned JWT (alg none) or one signed with a shared secret (HS256), for the algorithm attacks. */
export async function forgedIdJag(payload: Record<string, unknown>, alg: 'none' | 'HS256'): Promise<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  if (alg === 'none') return `${b64({ alg: 'none', typ: 'oauth-id-jag+jwt' })}.${b64(payload)}.`;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'oauth-id-jag+jwt', kid: 'k1' })
    .sign(new TextEncoder().encode('a-shared-secret-a-shared-secret-0123'));
}
