import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveClientSeed, resolveConfig } from '../../src/config/resolve.js';
import { OAuthError } from '../../src/errors.js';
import { resolveResource, resolveScopes } from '../../src/grants/audience.js';
import { clientRecordFromSeed } from '../../src/lanes/preregistered.js';

/**
 * The rules added for real clients, as properties: a resource differing from a configured one only by
 * a trailing slash is refused and named, anything else near it is refused and names nothing (RFC 8707
 * §2); `offline_access` anywhere in a requested scope changes nothing but itself (OIDC Core §11).
 */

const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);

function setup(resourcePath: string) {
  const resource = `https://mcp.example${resourcePath}`;
  const config = resolveConfig({
    issuer: 'https://as.example',
    secret: 'a-secret-of-at-least-thirty-two-characters',
    logger: false,
    resources: [{ resource, scopes: ['a', 'b', 'c'], default_scopes: ['a'] }],
  });
  const client = clientRecordFromSeed(
    resolveClientSeed({ client_id: 'c', redirect_uris: ['https://c.example/cb'] }),
    0,
  );
  return { resource, config, client };
}

function refusal(fn: () => unknown): OAuthError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
}

describe('resource identifiers near a configured one (RFC 8707 §2)', () => {
  it('the configured resource plus or minus a trailing slash is invalid_target naming it; nothing is accepted', () => {
    fc.assert(
      fc.property(path, fc.boolean(), (p, configuredWithSlash) => {
        const configured = configuredWithSlash ? `${p}/` : p;
        const { resource, config, client } = setup(configured);
        const requested = configuredWithSlash ? resource.slice(0, -1) : `${resource}/`;
        const error = refusal(() => resolveResource(config, client, [requested], false));
        expect(error?.error).toBe('invalid_target');
        expect(error?.description).toContain(`the configured resource is ${resource}`);
      }),
    );
  });

  it('any other unknown resource is invalid_target and names no configured resource', () => {
    fc.assert(
      fc.property(path, path, fc.constantFrom('', '/', '//'), (p, other, tail) => {
        const { resource, config, client } = setup(p);
        const requested = `https://mcp.example${other}${tail}`;
        fc.pre(requested.replace(/\/+$/, '') !== resource);
        const error = refusal(() => resolveResource(config, client, [requested], false));
        expect(error?.error).toBe('invalid_target');
        expect(error?.description).not.toContain('configured resource');
      }),
    );
  });
});

describe('offline_access in a requested scope (OIDC Core §11; MCP SEP-2207)', () => {
  it('changes nothing but itself: the same scopes or the same error as without it', () => {
    const { config, client } = setup('/mcp');
    const resource = config.resources[0]!;
    const scope = fc.array(fc.constantFrom<string>('a', 'b', 'c', 'openid', 'unknown'), { maxLength: 4 });
    fc.assert(
      fc.property(scope, fc.nat(4), fc.nat(2), (scopes, at, copies) => {
        const withOffline = [...scopes];
        for (let i = 0; i <= copies; i++)
          withOffline.splice(Math.min(at, withOffline.length), 0, 'offline_access');
        const outcome = (value: string[]) => {
          try {
            return resolveScopes(resource, client, value.join(' '), {
              redirectable: false,
              identityScopes: true,
            });
          } catch (error) {
            return (error as OAuthError).error;
          }
        };
        const result = outcome(withOffline);
        expect(result).toEqual(outcome(scopes));
        if (Array.isArray(result)) expect(result).not.toContain('offline_access');
      }),
    );
  });
});
