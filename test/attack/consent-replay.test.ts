import { describe, expect, it } from 'vitest';
import { USER } from '../helpers/fixtures.js';
import { authorizeUrl, useServer } from '../helpers/oauth.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * One decision per authorization request (interaction/consent-decision.ts), on the hosted consent page
 * as on the headless API: submitting the same Allow again — a double click, the back button, a form
 * copied out of the page — issues no second authorization code. The record is in the database, so the
 * second submission is refused on any instance.
 */
describe('a consent decision is accepted once', () => {
  const srv = useServer();

  it('replaying the Allow form answers a page, with no code and no redirect to the client', async () => {
    const agent = new UserAgent(srv().origin);
    const { url } = authorizeUrl(srv());
    const first = await agent.authorize(url, USER);
    expect(new URL(first.location!).searchParams.get('code')).toBeTruthy();
    const consentPage = first.pages.find((p) => p.includes('name="decision"'));
    expect(consentPage, 'the flow showed a consent page').toBeDefined();
    const again = await agent.submit(consentPage!, { decision: 'allow' });
    expect(again.status).toBe(400);
    expect(again.headers.get('location')).toBeNull();
    expect(await again.text()).toContain('already answered');
    const denied = await agent.submit(consentPage!, { decision: 'deny' });
    expect(denied.status).toBe(400);
  });
});
