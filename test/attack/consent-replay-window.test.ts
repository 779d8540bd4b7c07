import { describe, expect, it } from 'vitest';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { authorizeUrl, fakeClock, useServer } from '../helpers/oauth.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * The one-decision rule (interaction/consent-decision.ts) holds for the interaction's whole lifetime.
 * It was kept as a rate-limit counter with a limit of 1 in a clock window of interactionTtl, aligned to
 * the epoch: an Allow submitted just before a window boundary could be replayed just after it, with
 * the interaction still valid, and got a second authorization code. Frozen clock, so the boundary falls
 * exactly between the two submissions however slow the machine.
 */
const TTL_MS = 1_800_000; // sessions.interactionTtl's default
const clock = fakeClock((Math.floor(Date.now() / TTL_MS) + 1) * TTL_MS - 1_000);

describe('a consent decision stays answered across a clock window boundary', () => {
  const srv = useServer(() => ({ ...baseOptions(), clock: clock.now }));

  it('an Allow replayed two seconds later, past the boundary, gets no second code', async () => {
    const agent = new UserAgent(srv().origin);
    const { url } = authorizeUrl(srv());
    const first = await agent.authorize(url, USER);
    expect(new URL(first.location!).searchParams.get('code')).toBeTruthy();
    const consentPage = first.pages.find((p) => p.includes('name="decision"'));
    expect(consentPage, 'the flow showed a consent page').toBeDefined();
    clock.advance(2_000);
    const again = await agent.submit(consentPage!, { decision: 'allow' });
    expect(again.headers.get('location')).toBeNull();
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already answered');
  });
});
