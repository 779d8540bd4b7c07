import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { authorizeUrl, baseOptions, RESOURCE, signedInAgent, useServer } from '../../helpers/oauth.js';
import { TEST_SECRET } from '../../helpers/server.js';
import { decodeEntities } from '../../helpers/user-agent.js';

/**
 * `scope_descriptions` on a resource (docs/configuration.md): each description is shown next to its
 * scope on the consent page, sanitised like every displayed name; a description for a scope the
 * resource does not have is a configuration error naming the field.
 */

function withDescriptions(scopeDescriptions: Record<string, string>) {
  const options = baseOptions();
  options.resources = options.resources!.map((r) =>
    r.resource === RESOURCE ? { ...r, scope_descriptions: scopeDescriptions } : r,
  );
  return options;
}

describe('scope descriptions', () => {
  const srv = useServer(() =>
    withDescriptions({
      'todos.read': 'Read your todos',
      'todos.write': 'Create\u200b and <b>change</b> todos',
    }),
  );

  it('the consent page shows each scope with its description, escaped and without invisible characters', async () => {
    const agent = await signedInAgent(srv());
    const response = await agent.request(authorizeUrl(srv(), { scope: 'todos.read todos.write' }).url);
    const html = await response.text();
    expect(html).toContain('<li><code>todos.read</code> — Read your todos</li>');
    expect(html).not.toContain('<b>change</b>');
    expect(html).not.toContain('\u200b');
    expect(decodeEntities(html)).toContain('<code>todos.write</code> — Create and <b>change</b> todos');
  });

  it('a scope without a description is shown by its name alone', async () => {
    const agent = await signedInAgent(srv());
    const response = await agent.request(authorizeUrl(srv(), { scope: 'todos.read openid' }).url);
    expect(await response.text()).toContain('<li><code>openid</code></li>');
  });

  it('a description with a text-direction control is refused at start-up, naming the field', () => {
    const options = {
      ...withDescriptions({ 'todos.read': 'Read \u202egnp.exe' }),
      issuer: 'https://as.example',
      secret: TEST_SECRET,
    };
    expect(() => resolveConfig(options)).toThrow(
      /resources\[0\]\.scope_descriptions\.todos\.read: must not contain/,
    );
  });

  it('a description for a scope the resource does not have is refused at start-up, naming the field', () => {
    const options = {
      ...withDescriptions({ 'todos.delete': 'Delete' }),
      issuer: 'https://as.example',
      secret: TEST_SECRET,
    };
    expect(() => resolveConfig(options)).toThrow(
      /resources\[0\]\.scope_descriptions: "todos\.delete" is not in scopes/,
    );
  });
});
