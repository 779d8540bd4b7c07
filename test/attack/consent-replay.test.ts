import { describe, expect, it } from 'vitest';
import { baseOptions, USER } from '../helpers/fixtures.js';
import { authorizeUrl, fakeClock, useServer } from '../helpers/oauth.js';
import type { TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * One decision per authorization request (interaction/consent-decision.ts), on the hosted consent page
 * as on the headless API: submitting the same Allow again — a double click, the back button, a form
 * copied out of the page — issues no second authorization code. The record is in the database, so the
 * second submission is refused on any instance.
 */

/** Signs in and allows once; returns the agent and the consent page it answered. */
async function allowOnce(srv: TestServer) {
  const agent = new UserAgent(srv.origin);
  const { url } = authorizeUrl(srv);
  const first = await agent.authorize(url, USER);
  expect(new URL(first.location!).searchParams.get('code')).toBeTruthy();
  const consentPage = first.pages.find((p) => p.includes('name="decision"'));
  expect(consentPage, 'the flow showed a consent page').toBeDefined();
  return { agent, consentPage: consentPage! };
}

async function expectAlreadyAnswered(response: Response) {
  expect(response.headers.get('location')).toBeNull();
  expect(response.status).toBe(400);
  expect(await response.text()).toContain('already answered');
}

describe('a consent decision is accepted once', () => {
  const srv = useServer();

  it('replaying the Allow form answers a page, with no code and no redirect to the client', async () => {
    const { agent, consentPage } = await allowOnce(srv());
    await expectAlreadyAnswered(await agent.submit(consentPage, { decision: 'allow' }));
    const denied = await agent.submit(consentPage, { decision: 'deny' });
    expect(denied.status).toBe(400);
  });
});

/**
 * The record lasts the interaction's whole lifetime. It was a rate-limit counter with a limit of 1 in
 * a clock window of interactionTtl, aligned to the epoch: an Allow submitted just before a window
 * boundary could be replayed just after it, the interaction still valid, and got a second code. A
 * frozen clock puts the boundary exactly between the two submissions however slow the machine.
 */
describe('a consent decision stays answered across a clock window boundary', () => {
  const TTL_MS = 1_800_000; // sessions.interactionTtl's default
  const clock = fakeClock((Math.floor(Date.now() / TTL_MS) + 1) * TTL_MS - 1_000);
  const srv = useServer(() => ({ ...baseOptions(), clock: clock.now }));

  it('an Allow replayed two seconds later, past the boundary, gets no second code', async () => {
    const { agent, consentPage } = await allowOnce(srv());
    clock.advance(2_000);
    await expectAlreadyAnswered(await agent.submit(consentPage, { decision: 'allow' }));
  });
});
