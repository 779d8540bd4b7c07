import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HIDDEN, redactSecrets, redactUrl } from '../../src/operations/redact.js';

const SECRET = 'hunter2-S3CRET';

describe('settings redaction: a secret never shows, in whatever URL form it was written', () => {
  it.each([
    [`postgres://app:${SECRET}@db.internal:5432/gh`, `postgres://app:${HIDDEN}@db.internal:5432/gh`],
    [`postgres://:${SECRET}@db/gh`, `postgres://:${HIDDEN}@db/gh`],
    [`postgresql://app:p@ss/${SECRET}@db/gh`, `postgresql://app:${HIDDEN}@db/gh`],
    [`postgres://app@db/gh?password=${SECRET}`, `postgres://app@db/gh?password=${HIDDEN}`],
    [
      `postgres://db/gh?sslmode=require&sslpassword=${SECRET}&sslkey=/k/${SECRET}`,
      `postgres://db/gh?sslmode=require&sslpassword=${HIDDEN}&sslkey=${HIDDEN}`,
    ],
    [`https://api.example/mcp?api_key=${SECRET}&x=1`, `https://api.example/mcp?api_key=${HIDDEN}&x=1`],
    [
      `https://api.example/mcp?X-Amz-Signature=${SECRET}`,
      `https://api.example/mcp?X-Amz-Signature=${HIDDEN}`,
    ],
    [`https://api.example/cb#access_token=${SECRET}`, `https://api.example/cb#access_token=${HIDDEN}`],
    [`https://api.example/x?Pass%77ord=${SECRET}`, `https://api.example/x?Pass%77ord=${HIDDEN}`],
    [`https://${SECRET}@git.example/repo`, `https://${HIDDEN}@git.example/repo`],
    ['sqlite:.gatehouse/gatehouse.db', 'sqlite:.gatehouse/gatehouse.db'],
    ['postgres://postgres@127.0.0.1:5432/gatehouse', 'postgres://postgres@127.0.0.1:5432/gatehouse'],
  ])('redacts %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
    expect(redactSecrets({ database: input })).toEqual({ database: expected });
  });

  it('hides secret-named fields at any depth and keeps the ones that only mention a secret', () => {
    const out = redactSecrets({
      secret: SECRET,
      clients: [{ client_id: 'a', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic' }],
      connections: [{ id: 'corp', issuer: 'https://idp.example', apiKey: SECRET, client_secret: SECRET }],
      tokens: { accessTokenTtl: 300 },
      signingAlgorithm: 'ES256',
      mailer: () => undefined,
    });
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(out).toMatchObject({
      clients: [{ token_endpoint_auth_method: 'client_secret_basic' }],
      tokens: { accessTokenTtl: 300 },
      signingAlgorithm: 'ES256',
      mailer: 'configured',
    });
  });

  it('never shows a password put in a URL, whatever it is made of', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9!$&'()*+,;=%~._-]{8,30}$/),
        fc.constantFrom('password', 'secret', 'token', 'api_key', 'sig', 'sslpassword'),
        (password, param) => {
          fc.pre(!/^[%~._-]|hidden/i.test(password));
          const encoded = encodeURIComponent(password);
          for (const url of [
            `postgres://u:${encoded}@h/db`,
            `postgres://h/db?${param}=${encoded}`,
            `https://h/p?a=1&${param}=${encoded}#f`,
          ])
            expect(redactUrl(url)).not.toContain(encoded);
        },
      ),
    );
  });
});
