import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMAIL_DOMAIN, ORGANIZATION_ID, ROLE } from '../../src/config/organizations.js';
import { organizationClaims } from '../../src/grants/organization-claims.js';
import { emailDomain } from '../../src/interaction/home-realm.js';

/** The matchers organizations rely on: home-realm discovery's domain, ids, roles, and the token claims. */
describe('organizations: property tests', () => {
  it('emailDomain never throws and answers only a lower-case domain that follows the last "@"', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (email) => {
        const domain = emailDomain(email);
        if (domain === undefined) return;
        expect(EMAIL_DOMAIN.test(domain)).toBe(true);
        expect(domain).toBe(domain.toLowerCase());
        expect(email.toLowerCase().endsWith(`@${domain}`)).toBe(true);
      }),
    );
  });

  it('emailDomain finds the domain of every address of a valid domain, whatever its case', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
        if (EMAIL_DOMAIN.test(domain)) expect(emailDomain(email.toUpperCase())).toBe(domain);
      }),
    );
  });

  it('the id, role and domain patterns answer long hostile input quickly (no catastrophic backtracking)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1000, maxLength: 5000 }),
        fc.constantFrom('a', '-', '.', 'a.', 'a-'),
        (tail, unit) => {
          const input = unit.repeat(2000) + tail;
          const started = performance.now();
          for (const pattern of [EMAIL_DOMAIN, ORGANIZATION_ID, ROLE]) pattern.test(input);
          expect(performance.now() - started).toBeLessThan(100);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('roles reach a token only with the roles scope and an organization; org_id only with an organization', () => {
    fc.assert(
      fc.property(
        fc.option(fc.stringMatching(ORGANIZATION_ID), { nil: undefined }),
        fc.option(fc.array(fc.stringMatching(ROLE), { maxLength: 5 }), { nil: undefined }),
        fc.array(fc.constantFrom('roles', 'openid', 'todos.read'), { maxLength: 3 }),
        (orgId, roles, scope) => {
          const claims = organizationClaims(orgId, roles, scope);
          if (orgId === undefined) expect(claims).toEqual({});
          else expect(claims.orgId).toBe(orgId);
          expect(claims.roles !== undefined).toBe(orgId !== undefined && scope.includes('roles'));
        },
      ),
    );
  });
});
