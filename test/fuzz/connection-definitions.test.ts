import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConnections } from '../../src/config/policies.js';
import type { Context } from '../../src/context.js';
import { OAuthError } from '../../src/errors.js';
import {
  isSecretField,
  openSecrets,
  parseDefinition,
  resolveStored,
  sealDefinition,
} from '../../src/operations/connection-definitions.js';

/**
 * Connections stored at run time (operations/connection-definitions.ts) as properties: any JSON body is either a
 * definition the configuration would accept or a 400 `invalid_request` naming a field (never another
 * error); a stored definition runs exactly as the same entry in the configuration would; no secret
 * value is ever in the stored plain part, and the sealed part opens only for its own id.
 */

const ctx = {
  config: { secret: 'fuzz-secret-fuzz-secret-fuzz-secret-0123456789', connections: [] },
} as unknown as Context;

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const fields = fc.record(
  {
    id: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/), fc.string({ maxLength: 70 })),
    type: fc.constantFrom('oidc', 'saml', 'ldap'),
    name: fc.oneof(fc.constantFrom('Corp SSO', 'Partner'), fc.string({ maxLength: 90 })),
    issuer: fc.constantFrom('https://idp.example', 'http://idp.example', 'http://127.0.0.1:3000', 'idp'),
    client_id: fc.string({ maxLength: 20 }),
    client_secret: fc.string({ minLength: 1, maxLength: 40 }),
    allowLoopback: fc.boolean(),
    enabled: fc.boolean(),
    scopes: fc.array(fc.constantFrom('openid', 'email', 'profile', 'bad scope'), { maxLength: 3 }),
    domains: fc.array(fc.constantFrom('corp.example', 'Corp.Example'), { maxLength: 2 }),
    extra: json,
  },
  { requiredKeys: ['id', 'type', 'name'] },
);

describe('stored connection definitions', () => {
  it('any body is accepted as the configuration would, or refused with invalid_request naming a field', () => {
    fc.assert(
      fc.property(fc.oneof(json, fields), (body) => {
        try {
          parseDefinition(body);
        } catch (error) {
          expect(error).toBeInstanceOf(OAuthError);
          expect((error as OAuthError).error).toBe('invalid_request');
          expect((error as OAuthError).description).toMatch(/^[^:]*: /);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a stored definition resolves exactly as the configuration entry does, its secrets only sealed', () => {
    fc.assert(
      fc.property(fields, (body) => {
        let parsed: ReturnType<typeof parseDefinition>;
        try {
          parsed = parseDefinition(body);
        } catch {
          return;
        }
        const record = sealDefinition(ctx, parsed, { createdAt: 1, updatedAt: 2 });
        const options = { connections: [parsed] } as unknown as Parameters<typeof resolveConnections>[0];
        expect(resolveStored(ctx, record)).toEqual(resolveConnections(options)[0]);
        for (const [name, value] of Object.entries(parsed))
          if (isSecretField(name)) expect(record.definition).not.toContain(JSON.stringify(value));
        if (record.secretsEncrypted)
          expect(() => openSecrets(ctx, { ...record, id: `${record.id}x` })).toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
