import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientSchema, describeIssues } from '../../src/config/schema.js';
import { clientIdProblem, RESERVED_CLIENT_ID_PREFIXES } from '../../src/lanes/client-id.js';
import { generateClientId } from '../../src/lanes/preregistered.js';

const problemOf = (client_id: string) => {
  const parsed = clientSchema.safeParse({
    client_id,
    grant_types: ['client_credentials'],
    client_secret: 'x'.repeat(40),
  });
  return parsed.success ? undefined : describeIssues(parsed.error);
};

describe('chosen client_ids (configuration, admin API, dashboard, CLI share one rule)', () => {
  it.each(['nightly-report', 'todo-cli', 'gh_mine', 'a', 'my.app_v2', 'x'.repeat(255)])(
    'accepts %s',
    (id) => {
      expect(clientIdProblem(id)).toBeUndefined();
      expect(problemOf(id)).toBeUndefined();
    },
  );

  it.each([
    ['usr_0123456789abcdef', /"usr_"/],
    ['USR_0123456789abcdef', /"usr_"/],
    ['dcr_0123456789abcdef0123456789abcdef', /"dcr_"/],
    ['Dcr_x', /"dcr_"/],
    ['grt_abc', /"grt_"/],
    ['ghr_abc', /"ghr_"/],
    ['ghsec_abc', /"ghs/],
    ['https://app.example.com/client.json', /URL/],
    ['HTTP://app.example.com/c', /URL/],
    ['urn:example:client', /URL/],
    ['user:usr_abc', /URL/],
    ['client:nightly', /URL/],
    ['//app.example.com/c', /URL/],
    ['x'.repeat(256), /255/],
    ['two words', /visible ASCII/],
    ['', /1 to 255/],
  ])('refuses %s, naming client_id', (id, message) => {
    expect(clientIdProblem(id)).toMatch(message);
    expect(problemOf(id)).toMatch(new RegExp(`^client_id: .*${message.source}`));
  });

  it('refuses every reserved prefix in any letter case, whatever follows', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RESERVED_CLIENT_ID_PREFIXES),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.stringMatching(/^[A-Za-z0-9._~-]{0,40}$/),
        (prefix, upper, rest) => {
          const cased = Array.from(prefix, (c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
          expect(clientIdProblem(cased + rest)).toMatch(/reserves/);
        },
      ),
    );
  });

  it('generates client_ids that pass the rule', () => {
    for (let i = 0; i < 50; i++) expect(clientIdProblem(generateClientId())).toBeUndefined();
  });
});
