import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalFormsHeld, canonicalResource } from '../../src/grants/audience.js';

/**
 * canonicalResource memoises its answers in a bounded map (src/grants/audience.ts): every token request
 * compares its `resource` with the configured ones. Requests naming ever new resources (anyone can send
 * them) must neither change the answer for another resource nor grow the map past its bound.
 */

const resource = fc.oneof(
  fc.webUrl({ withQueryParameters: true }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'https://mcp.example.com/mcp',
    'HTTPS://MCP.Example.com/mcp',
    'https://mcp.example.com/',
    'not a uri',
    '',
  ),
);

describe('canonical resource forms under a flood of distinct resources', () => {
  it('answer the same for a resource before and after any number of others were asked', () => {
    fc.assert(
      fc.property(resource, fc.array(resource, { maxLength: 400 }), (asked, flood) => {
        const before = canonicalResource(asked);
        for (const other of flood) {
          canonicalResource(other);
          expect(canonicalFormsHeld()).toBeLessThanOrEqual(128);
        }
        expect(canonicalResource(asked)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });

  it('keep comparing case-insensitively on scheme and host after the map has been cleared many times', () => {
    for (let i = 0; i < 10_000; i++) canonicalResource(`https://flood-${i}.example/mcp`);
    expect(canonicalFormsHeld()).toBeGreaterThan(0);
    expect(canonicalFormsHeld()).toBeLessThanOrEqual(128);
    expect(canonicalResource('HTTPS://MCP.Example.com/mcp')).toBe(
      canonicalResource('https://mcp.example.com/mcp'),
    );
    expect(canonicalResource('https://mcp.example.com/')).toBe(canonicalResource('https://mcp.example.com'));
    expect(canonicalResource('not a uri')).toBeUndefined();
  });
});
