/**
 * Branding through the admin API and the dashboard: one schema for both, stored over the configuration's
 * branding, applied to the hosted pages at once, audited, and reset back to the configuration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntities, type UserAgent } from '../../helpers/user-agent.js';
import { ADMIN, type AdminServer, dashboardCsrf, sessionApi, signIn, startAdminServer } from './support.js';

let srv: AdminServer;
let agent: UserAgent;
let csrf: string;
let api: ReturnType<typeof sessionApi>;

beforeAll(async () => {
  srv = await startAdminServer(() => ({
    branding: { name: 'Configured Co', colors: { primary: '#123456' } },
  }));
  ({ agent } = await signIn(srv.origin, srv.issuer, ADMIN));
  csrf = await dashboardCsrf(agent, srv.issuer);
  api = sessionApi(agent, srv.issuer, csrf);
});
afterAll(() => srv.close());

const signInPage = async () => (await fetch(`${srv.issuer}/login`)).text();

describe('admin API: /admin/api/branding', () => {
  it('GET shows the configuration branding as the source until an edit', async () => {
    const { status, body } = await api('GET', 'branding');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      source: 'configuration',
      branding: { name: 'Configured Co', colors: { primary: '#123456' } },
      configured: { name: 'Configured Co' },
    });
  });

  it('PUT stores the branding, the hosted pages show it at once, and the change is audited', async () => {
    const put = await api('PUT', 'branding', { name: 'Edited Cloud', colors: { background: '#ffffff' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ source: 'database', branding: { name: 'Edited Cloud' } });
    expect((put.body.branding as Record<string, unknown>).colors).toEqual({ background: '#ffffff' });
    expect(await signInPage()).toContain('<title>Sign in · Edited Cloud</title>');
    const events = await srv.gh.store.listAuditEvents({ type: 'branding.updated' });
    expect(events[0]?.detail).toMatchObject({ changed: ['name', 'colors'] });
    expect(events[0]?.actor).toMatch(/^user:/);
  });

  it('PUT refuses what the configuration refuses, naming the field, and changes nothing', async () => {
    for (const bad of [
      { colors: { primary: 'red;}body{background:url(https://evil.example)' } },
      { logo: 'javascript:alert(1)' },
      { logo: 'http://cdn.example/logo.png' },
      { name: '' },
      { unknown: 'field' },
    ]) {
      const { status, body } = await api('PUT', 'branding', bad);
      expect(status, JSON.stringify(bad)).toBe(400);
      expect(body.error).toBe('invalid_request');
    }
    const { body } = await api('PUT', 'branding', { colors: { primary: 'blue' } });
    expect(body.error_description).toContain('colors.primary');
    expect(await signInPage()).toContain('<title>Sign in · Edited Cloud</title>');
  });

  it('DELETE returns to the configuration branding', async () => {
    const { status, body } = await api('DELETE', 'branding');
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'configuration', branding: { name: 'Configured Co' } });
    expect(await signInPage()).toContain('<title>Sign in · Configured Co</title>');
    expect(await srv.gh.store.listAuditEvents({ type: 'branding.reset' })).toHaveLength(1);
  });
});

describe('dashboard: Branding page', () => {
  async function post(fields: Record<string, string>) {
    return agent.request(`${srv.issuer}/admin/branding/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: srv.origin },
      body: new URLSearchParams({ csrf, ...fields }),
    });
  }

  it('is linked as "Branding" in the navigation and shows the current values', async () => {
    const html = await (await agent.request(`${srv.issuer}/admin/branding`)).text();
    expect(html).toMatch(/<a href="\/admin\/branding" aria-current="page">Branding<\/a>/);
    expect(decodeEntities(/id="brand-name"[^>]*value="([^"]*)"/.exec(html)![1]!)).toBe('Configured Co');
  });

  it('saves the form (a multi-line stylesheet included) and applies it to the hosted pages', async () => {
    const response = await post({
      op: 'save',
      name: 'Form Made',
      primary: '#0a0',
      background: '',
      text: '',
      logo: '',
      stylesheet: '.card {\n  border-radius: 0;\n}\n',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/admin/branding?done=branding-save');
    const page = await signInPage();
    expect(page).toContain('<title>Sign in · Form Made</title>');
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page)![1]!;
    const css = await (await fetch(`${srv.origin}${href}`)).text();
    expect(css).toContain('--accent:#0a0;');
    expect(css).toContain('.card {\n  border-radius: 0;\n}');
  });

  it('shows a refused value as "Not done" and keeps the stored branding', async () => {
    const response = await post({ op: 'save', name: 'X', primary: 'expression(alert(1))' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('colors.primary');
    expect(await signInPage()).toContain('<title>Sign in · Form Made</title>');
  });

  it('resets to the configuration', async () => {
    expect((await post({ op: 'reset' })).status).toBe(303);
    expect(await signInPage()).toContain('<title>Sign in · Configured Co</title>');
  });
});
