/**
 * Screenshots of every dashboard page for docs/images/admin-*.png, from fixed data (see
 * screenshot-data.ts) on a fixed port with a frozen clock, so they only change when the pages do.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNodeListener } from '../../../src/adapters/node.js';
import { createGatehouse, type Gatehouse } from '../../../src/gatehouse.js';
import { openStore } from '../../../src/store/index.js';
import { closeBrowser, launchBrowser, newBrowserContext } from '../../helpers/browser.js';
import { expectAccessibleBasics } from '../browser/support.js';
import { MCP, NOTES, NOW, PORTABLE, SCREENSHOT_SECRET, seedScreenshotData } from './screenshot-data.js';

const IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));
const PORT = 47913;
const ISSUER = `http://127.0.0.1:${PORT}`;
let browser: Browser;
let gh: Gatehouse;
let server: Server;

beforeAll(async () => {
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  await seedScreenshotData(store);
  gh = await createGatehouse(
    {
      issuer: ISSUER,
      secret: SCREENSHOT_SECRET,
      logger: false,
      clock: () => NOW,
      resources: [
        {
          resource: MCP,
          name: 'Todo MCP',
          scopes: ['todos.read', 'todos.write'],
          default_scopes: ['todos.read'],
        },
        { resource: NOTES, name: 'Notes API', scopes: ['notes.read'], lanes: { dcr: false } },
      ],
      clients: [
        {
          client_id: 'todo-cli',
          client_name: 'Todo CLI',
          redirect_uris: ['http://127.0.0.1/callback'],
          first_party: true,
        },
        {
          client_id: 'nightly-report',
          client_name: 'Nightly report',
          client_secret: 'nightly-secret-0123456789-abcdefghijklmnop',
          grant_types: ['client_credentials'],
          scope: 'todos.read',
        },
      ],
      cimd: { enabled: true },
      dcr: { enabled: true },
      mailer: async () => {},
    },
    { store },
  );
  server = createServer(toNodeListener(gh));
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
  browser = await launchBrowser();
});
afterAll(async () => {
  await closeBrowser(browser);
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await gh?.close();
});

async function shoot(page: Page, name: string): Promise<void> {
  await expectAccessibleBasics(page);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({
    path: `${IMAGES}admin-${name}.png`,
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
  });
}

describe('dashboard screenshots', () => {
  it('saves a screenshot of every dashboard page', async () => {
    const context = await newBrowserContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${ISSUER}/admin`);
    await page.getByLabel('Email').fill('root@example.com');
    await page.getByLabel('Password').fill('admin password 123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await shoot(page, 'overview');

    await page.goto(`${ISSUER}/admin/clients?client=${encodeURIComponent(PORTABLE)}`);
    await page.getByRole('region', { name: 'Staged change' }).waitFor();
    await shoot(page, 'clients');

    await page.goto(`${ISSUER}/admin/clients?source=dcr&client=dcr_3kq9Zr1cLaUde`);
    await page.getByRole('button', { name: 'Disable…' }).click();
    await page.getByRole('heading', { level: 1, name: 'Disable this client?' }).waitFor();
    await shoot(page, 'client-disable');

    await page.goto(`${ISSUER}/admin/clients/new`);
    await shoot(page, 'client-new');

    for (const [path, name, heading] of [
      ['/resources', 'resources', 'Resources'],
      ['/users?user=usr_ada000000000000000000', 'users', 'Users'],
      ['/audit?limit=14', 'audit', 'Audit log'],
      ['/keys', 'keys', 'Signing keys'],
      ['/settings', 'settings', 'Settings'],
    ] as const) {
      await page.goto(`${ISSUER}/admin${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await shoot(page, name);
    }
    expect(await page.content()).not.toContain(SCREENSHOT_SECRET);
    await context.close();
  });
});
