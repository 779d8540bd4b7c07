/**
 * The dashboard on a phone-sized screen (390 px wide, issue 14): no page scrolls sideways — wide
 * tables scroll inside their own region — and a screenshot of each page is saved for
 * docs/images/admin-narrow-*.png (fixed port and frozen clock, so the images change only with the pages).
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, launchBrowser, newBrowserContext } from '../../helpers/browser.js';
import { NOW } from '../admin/screenshot-data.js';
import {
  ADMIN,
  DASHBOARD_PAGES,
  openDisableConfirmation,
  type SeededServer,
  signInOnPage,
  startSeededServer,
} from './seeded-server.js';

const IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));
const WIDTH = 390;
let browser: Browser;
let srv: SeededServer;

beforeAll(async () => {
  [browser, srv] = await Promise.all([launchBrowser(), startSeededServer({ port: 47915, clock: () => NOW })]);
});
afterAll(async () => {
  await closeBrowser(browser);
  await srv?.close();
});

async function widest(page: Page): Promise<{ scrollWidth: number; culprits: string[] }> {
  return page.evaluate((width) => {
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5)
      .filter((el) => !el.closest('.table-scroll'))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ''}`);
    return { scrollWidth: document.documentElement.scrollWidth, culprits };
  }, WIDTH);
}

describe('the dashboard at 390 px', () => {
  it('no dashboard page is wider than the screen', async () => {
    const context = await newBrowserContext(browser, { viewport: { width: WIDTH, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${srv.issuer}/admin`);
    await signInOnPage(page, ADMIN);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const results: Record<string, { scrollWidth: number; culprits: string[] }> = {};
    const check = async (name: string) => {
      results[name] = await widest(page);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.screenshot({
        path: `${IMAGES}admin-narrow-${name}.png`,
        fullPage: true,
        animations: 'disabled',
        caret: 'hide',
      });
    };
    for (const [path, name] of DASHBOARD_PAGES) {
      await page.goto(`${srv.issuer}${path}`);
      await check(name);
    }
    await openDisableConfirmation(page, srv.issuer);
    await check('client-disable');
    await context.close();
    const tooWide = Object.entries(results)
      .filter(([, r]) => r.scrollWidth > WIDTH)
      .map(([name, r]) => `${name}: ${r.scrollWidth} px (${r.culprits.join(', ')})`);
    expect(tooWide).toEqual([]);
  }, 90_000);
});
