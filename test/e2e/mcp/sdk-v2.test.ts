import { IssuerMismatchError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useChromium } from './helpers/browser.js';
import { recordingFetch, TodoCliProvider } from './helpers/clients.js';
import { describeMcpClient } from './helpers/scenarios.js';
import { sdkV2 } from './helpers/sdks.js';
import { type Stack, startDemoStack } from './helpers/stack.js';
import { authorizeManually } from './helpers/tokens.js';

useChromium();
describeMcpClient(sdkV2);

describe('@modelcontextprotocol/client (v2) issuer checks against the demo', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startDemoStack();
  });
  afterAll(() => stack?.close());

  it('accepts Gatehouse metadata whose issuer echoes the discovery URL (RFC 8414 §3.3) and callbacks whose iss matches it (RFC 9207)', async () => {
    const provider = new TodoCliProvider(stack);
    const { fetch } = recordingFetch();
    const session = sdkV2.open(stack.mcpUrl, provider, fetch);
    await expect(session.connect()).rejects.toSatisfy(sdkV2.isUnauthorized);
    const metadata = (await (
      await fetch(`${stack.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as { issuer: string };
    expect(metadata.issuer).toBe(stack.issuer);
    expect(provider.lastCallback.searchParams.get('iss')).toBe(stack.issuer);
    await session.finishAuth(provider.lastCallback);
    expect(provider.tokens()?.issuer).toBe(stack.issuer);
  });

  it('would refuse a callback whose iss names another authorization server (the check is live)', async () => {
    const provider = new TodoCliProvider(stack);
    const { fetch } = recordingFetch();
    const session = sdkV2.open(stack.mcpUrl, provider, fetch);
    await expect(session.connect()).rejects.toSatisfy(sdkV2.isUnauthorized);
    const tampered = new URL(provider.lastCallback);
    tampered.searchParams.set('iss', `${stack.issuer}/`);
    await expect(session.finishAuth(tampered)).rejects.toBeInstanceOf(IssuerMismatchError);
    expect(provider.tokens()).toBeUndefined();
  });

  it('unions the challenged scope with the granted one when stepping up (SEP-2350)', async () => {
    // Covered end to end by the step-up scenario; here the exact scope of the new authorization request.
    const readOnly = await authorizeManually(stack, { resource: stack.mcpUrl, scope: 'todos.read' });
    const provider = new TodoCliProvider(stack);
    provider.saveTokens({ ...readOnly, issuer: stack.issuer });
    const { fetch } = recordingFetch();
    const session = sdkV2.open(stack.mcpUrl, provider, fetch);
    await session.connect();
    await expect(session.callTool('add_todo', { title: 'x' })).rejects.toSatisfy(sdkV2.isUnauthorized);
    // SEP-2207: the SDK appends offline_access, which the metadata lists (and Gatehouse drops).
    expect(provider.authorizations[0]!.url.searchParams.get('scope')).toBe(
      'todos.read todos.write offline_access',
    );
    await session.close();
  });
});
