import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { USER } from '../../helpers/fixtures.js';
import { HEADLESS_CONNECTION, HeadlessUi, headlessOptions } from '../../helpers/headless.js';
import { redeem, useServer } from '../../helpers/oauth.js';

/**
 * Issue 16, headless API with organizations (docs/headless.md, docs/sign-in.md "Organizations"): the
 * organization step, its rules shared with /authorize (interaction/organization.ts), org_id in the
 * token, and home-realm discovery at the identify step.
 */

describe('headless API: organizations and home-realm discovery', () => {
  const MULTI = { email: 'multi@example.com', password: 'correct horse battery' };
  const SINGLE = { email: 'single@example.com', password: 'correct horse battery' };
  const srv = useServer(() =>
    headlessOptions({
      connections: [HEADLESS_CONNECTION],
      users: [USER, MULTI, SINGLE],
      organizations: [
        { id: 'org_acme', name: 'Acme', members: [{ email: MULTI.email }, { email: SINGLE.email }] },
        { id: 'org_globex', name: 'Globex', members: [{ email: MULTI.email }] },
        { id: 'org_sso', name: 'SSO Corp', domains: ['sso.example'], connection: 'corp' },
      ],
    }),
  );

  /** Allow on the interaction, redeem the code at the loopback redirect on `port`: the access token's claims. */
  async function allowAndRedeem(
    ui: HeadlessUi,
    interaction: string,
    csrf: string,
    verifier: string,
    port: number,
  ) {
    const allow = await ui.post('consent', { interaction, decision: 'allow' }, { csrf });
    const code = new URL(allow.body.redirect_to).searchParams.get('code');
    const token = await redeem(
      srv(),
      { code, verifier },
      { redirect_uri: `http://127.0.0.1:${port}/callback` },
    );
    expect(token.status).toBe(200);
    return decodeJwt(token.body.access_token);
  }

  it('a member of several organizations is asked to choose; the choice rides the new interaction into org_id', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, verifier } = await ui.begin({ redirect_uri: 'http://127.0.0.1:45001/callback' });
    const signedIn = await ui.signIn(interaction, MULTI);
    expect(signedIn.body.next).toBe('organization');
    expect(signedIn.body.organizations).toEqual([
      { id: 'org_acme', name: 'Acme' },
      { id: 'org_globex', name: 'Globex' },
    ]);
    const csrf = signedIn.body.csrf_token;
    const early = await ui.post('consent', { interaction, decision: 'allow' }, { csrf });
    expect(early.status).toBe(400);
    const chosen = await ui.post('organization', { interaction, organization: 'org_globex' }, { csrf });
    expect(chosen.status).toBe(200);
    expect(chosen.body.next).toBe('consent');
    expect(chosen.body.interaction).not.toBe(interaction);
    const claims = await allowAndRedeem(ui, chosen.body.interaction, chosen.body.csrf_token, verifier, 45001);
    expect(claims.org_id).toBe('org_globex');
  });

  it('an organization the user is not a member of is refused with 403', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin({ redirect_uri: 'http://127.0.0.1:45002/callback' });
    const signedIn = await ui.signIn(interaction, MULTI);
    const refused = await ui.post(
      'organization',
      { interaction, organization: 'org_sso' },
      { csrf: signedIn.body.csrf_token },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('forbidden');
  });

  it('a member of one organization gets it without asking, also when consenting with the original interaction', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction, verifier } = await ui.begin({ redirect_uri: 'http://127.0.0.1:45003/callback' });
    const signedIn = await ui.signIn(interaction, SINGLE);
    expect(signedIn.body.next).toBe('consent');
    const claims = await allowAndRedeem(ui, interaction, signedIn.body.csrf_token, verifier, 45003);
    expect(claims.org_id).toBe('org_acme');
  });

  it('identify routes an address of an SSO domain to its organization’s connection', async () => {
    const ui = new HeadlessUi(srv());
    const { interaction } = await ui.begin();
    const { body } = await ui.state(interaction);
    const sso = await ui.post(
      'identify',
      { interaction, email: 'Someone@SSO.example' },
      { csrf: body.csrf_token },
    );
    expect(sso.status).toBe(200);
    expect(sso.body).toEqual({
      next: 'provider',
      email: 'someone@sso.example',
      connection: 'corp',
      organization: { name: 'SSO Corp' },
      redirect_to: `${srv().issuer}/connections/corp/start?interaction=${encodeURIComponent(interaction)}`,
    });
  });
});
