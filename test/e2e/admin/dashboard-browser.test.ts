/**
 * The dashboard in real Chromium, driven by accessible names: an administrator signs in, creates a
 * confidential client and copies its secret, disables a DCR client (whose next token request then
 * fails), approves a staged CIMD change, and filters the audit log.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, launchBrowser, newBrowserContext } from '../../helpers/browser.js';
import { authorizationUrl, DocumentHost } from '../../helpers/cimd.js';
import { USER } from '../../helpers/fixtures.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { expectAccessibleBasics } from '../browser/support.js';
import { ADMIN, type AdminServer, dcrClientWithRefreshToken, startAdminServer } from './support.js';

const CIMD_CLIENT = 'https://tool.example.com/oauth/client.json';
let browser: Browser;
let srv: AdminServer;
let now = Date.now();
const host = new DocumentHost();

beforeAll(async () => {
  browser = await launchBrowser();
  srv = await startAdminServer(() => ({ cimd: { enabled: true, fetch: host.fetch }, clock: () => now }));
});
afterAll(async () => {
  await closeBrowser(browser);
  await srv?.close();
});

/** A fresh context; the first visit to the dashboard goes through the hosted sign-in page. */
async function signedInPage(): Promise<Page> {
  const context = await newBrowserContext(browser, { viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${srv.issuer}/admin`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return page;
}

describe('the dashboard in Chromium', () => {
  it('sends a visitor to sign in and back; every tab is reachable from the navigation and accessible', async () => {
    const page = await signedInPage();
    expect(new URL(page.url()).pathname).toBe('/admin');
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    for (const [link, heading] of [
      ['Clients', 'Clients'],
      ['Resources', 'Resources'],
      ['Users', 'Users'],
      ['Audit', 'Audit log'],
      ['Keys', 'Signing keys'],
      ['Settings', 'Settings'],
      ['Overview', 'Overview'],
    ]) {
      await nav.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await expectAccessibleBasics(page);
    }
    await page.context().close();
  });

  it('an administrator creates a confidential client and copies the secret, which then authenticates it', async () => {
    const page = await signedInPage();
    await page
      .getByRole('navigation', { name: 'Dashboard' })
      .getByRole('link', { name: 'Clients', exact: true })
      .click();
    await page.getByRole('link', { name: 'Create client' }).click();
    await page.getByLabel('Name').fill('Reporting service');
    await page.getByRole('radio', { name: /Confidential web app/ }).check();
    await page.getByLabel(/Redirect URIs/).fill('https://reports.example/cb');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByRole('heading', { level: 1, name: 'Client created' }).waitFor();
    const secretField = page.getByLabel('Client secret');
    await secretField.selectText();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^ghsec_/);
    const clientId = (await page.locator('dd code').first().textContent())!;
    const revoke = (password: string) =>
      fetch(`${srv.issuer}/revoke`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${password}`).toString('base64')}` },
        body: new URLSearchParams({ token: 'not-a-token' }),
      });
    expect((await revoke(secret)).status).toBe(200);
    expect((await revoke(`${secret}x`)).status).toBe(401);
    // Shown once: the client's page never shows it again.
    await page.getByRole('link', { name: 'Open the client' }).click();
    await page.getByRole('heading', { level: 2, name: 'Reporting service' }).waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.context().close();
  });

  it('disabling a DCR client (with a reason, after confirming) makes its next token request fail', async () => {
    const dcr = await dcrClientWithRefreshToken(srv, USER, 'Sketchy Tool');
    expect((await dcr.refresh()).status).toBe(200);
    const page = await signedInPage();
    await page.goto(`${srv.issuer}/admin/clients`);
    await page.getByLabel('Lane').selectOption('dcr');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: 'Sketchy Tool' }).click();
    await page.getByRole('button', { name: 'Disable…' }).click();
    await page.getByRole('heading', { level: 1, name: 'Disable this client?' }).waitFor();
    await page.getByLabel(/Reason/).fill('phishing report #42');
    await page.getByRole('button', { name: 'Disable client' }).click();
    await page.getByRole('status').filter({ hasText: 'The client was disabled' }).waitFor();
    await page.getByText('phishing report #42').waitFor();
    const after = await dcr.refresh();
    expect(after.status).toBeGreaterThanOrEqual(400);
    expect(['invalid_grant', 'invalid_client', 'unauthorized_client']).toContain(after.body.error);
    const [event] = await srv.gh.store.listAuditEvents({ type: 'client.disabled', clientId: dcr.clientId });
    const adminUser = await srv.gh.store.getUserByEmail(ADMIN.email);
    expect(event).toMatchObject({
      actor: `user:${adminUser!.id}`,
      detail: { reason: 'phishing report #42' },
    });
    await page.context().close();
  });

  it('an administrator approves a staged CIMD redirect-URI change', async () => {
    host.publish(
      CIMD_CLIENT,
      { redirect_uris: ['https://tool.example.com/cb'] },
      { 'cache-control': 'max-age=60' },
    );
    const agent = new UserAgent(srv.origin);
    await agent.authorize(
      (await authorizationUrl(srv.issuer, CIMD_CLIENT, 'https://tool.example.com/cb')).url,
      USER,
    );
    const page = await signedInPage();
    await page.goto(`${srv.issuer}/admin/clients?source=cimd`);
    await page.getByRole('link', { name: 'Portable Tool' }).click();
    await page.getByRole('button', { name: 'Pin: approve future changes' }).click();
    await page.getByRole('status').filter({ hasText: 'The client is pinned' }).waitFor();
    host.publish(
      CIMD_CLIENT,
      { redirect_uris: ['https://tool.example.com/cb', 'https://tool.example.com/cb3'] },
      { 'cache-control': 'max-age=60' },
    );
    now += 61_000;
    const staged = await agent.request(
      (await authorizationUrl(srv.issuer, CIMD_CLIENT, 'https://tool.example.com/cb3')).url,
    );
    expect(staged.status).toBe(400);

    await page.goto(`${srv.issuer}/admin/clients?source=cimd`);
    await page.getByRole('link', { name: 'Portable Tool' }).click();
    const change = page.getByRole('region', { name: 'Staged change' });
    await change.getByText('https://tool.example.com/cb3').waitFor();
    await change.getByRole('button', { name: 'Approve change' }).click();
    await page.getByRole('status').filter({ hasText: 'The staged change was approved' }).waitFor();
    expect(await page.getByRole('region', { name: 'Staged change' }).count()).toBe(0);
    expect((await srv.gh.store.getClient(CIMD_CLIENT))?.redirect_uris).toContain(
      'https://tool.example.com/cb3',
    );
    const approved = await agent.authorize(
      (await authorizationUrl(srv.issuer, CIMD_CLIENT, 'https://tool.example.com/cb3')).url,
      USER,
    );
    expect(approved.location).toMatch(/^https:\/\/tool\.example\.com\/cb3\?code=/);
    await page.context().close();
  });

  it('an administrator filters the audit log by type and by client', async () => {
    const page = await signedInPage();
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Type').fill('client.disabled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toContain('client.disabled');
    expect(new URL(page.url()).searchParams.get('type')).toBe('client.disabled');
    await page.getByLabel('Type').fill('');
    await page.getByLabel('Client').fill(CIMD_CLIENT);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('cimd.change_approved').waitFor();
    for (const text of await page.locator('tbody tr').allTextContents()) expect(text).toContain(CIMD_CLIENT);
    const exportHref = await page.getByRole('link', { name: 'Export as JSON lines' }).getAttribute('href');
    expect(exportHref).toContain(`client_id=${encodeURIComponent(CIMD_CLIENT)}`);
    await page.context().close();
  });
});
