/**
 * An axe-core audit (WCAG 2.0/2.1, levels A and AA) of every hosted page and every dashboard page, in
 * the light and the dark colour scheme, in Chromium. A serious or critical violation fails the test;
 * lesser ones are printed so they can be seen. The dashboard is filled with the screenshot data
 * (../admin/screenshot-data.ts) so tables, badges and panels are there to be audited.
 *
 * The pages' Content-Security-Policy forbids injected scripts, so the audit's own context bypasses
 * CSP (the CSP itself is tested in pages.test.ts and test/conformance/pages-security.test.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationUrl, closeBrowser, launchBrowser, newBrowserContext } from '../../helpers/browser.js';
import { MCP, PORTABLE } from '../admin/screenshot-data.js';
import {
  ADMIN,
  DASHBOARD_PAGES,
  openDisableConfirmation,
  type SeededServer,
  signInOnPage as signIn,
  startSeededServer,
  SEEDED_USER as USER,
} from './seeded-server.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Twenty axe runs take about 15 s alone, and the browser suite shares two cores. */
const AUDIT_TIMEOUT = 120_000;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let browser: Browser;
let srv: SeededServer;
let issuer: string;

beforeAll(async () => {
  [browser, srv] = await Promise.all([launchBrowser(), startSeededServer()]);
  issuer = srv.issuer;
});
afterAll(async () => {
  await closeBrowser(browser);
  await srv?.close();
});

/** Runs axe in both colour schemes on the page as it stands; returns the violations by scheme. */
async function audit(page: Page, name: string, found: Map<string, Violation[]>): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
    const violations = await page.evaluate(async (tags) => {
      const axe = (window as unknown as { axe: { run(ctx: Document, o: unknown): Promise<AxeResult> } }).axe;
      type AxeResult = {
        violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
      };
      const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      }));
    }, WCAG_TAGS);
    found.set(`${name} (${colorScheme})`, violations);
  }
}

function report(found: Map<string, Violation[]>): void {
  const serious: string[] = [];
  for (const [page, violations] of found) {
    for (const v of violations) {
      const line = `${page}: ${v.impact} ${v.id} — ${v.help} (${v.targets.slice(0, 3).join(', ')})`;
      if (v.impact === 'serious' || v.impact === 'critical') serious.push(line);
      else console.info(`axe (minor): ${line}`);
    }
  }
  expect(serious, serious.join('\n')).toEqual([]);
}

async function auditContext(): Promise<BrowserContext> {
  return newBrowserContext(browser, { bypassCSP: true });
}

describe('axe-core audit, WCAG 2.1 A and AA, light and dark', () => {
  it(
    'every hosted page has no serious or critical violation',
    async () => {
      const found = new Map<string, Violation[]>();
      const context = await auditContext();
      const page = await context.newPage();
      await page.goto(`${issuer}/login`);
      await audit(page, 'sign-in', found);
      await page.goto(`${issuer}/signup`);
      await audit(page, 'sign-up', found);
      await page.goto(`${issuer}/forgot-password`);
      await audit(page, 'forgot password', found);
      await page.getByLabel('Email').fill(USER.email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.waitForLoadState();
      await audit(page, 'forgot password, sent', found);
      await expect.poll(() => srv.mail.length).toBeGreaterThan(0);
      await page.goto(srv.mail.at(-1)!.link);
      await audit(page, 'reset password', found);
      await page.goto(`${issuer}/reset-password?token=not-a-token`);
      await audit(page, 'reset password, bad link', found);

      const refused = authorizationUrl(issuer, {
        clientId: 'todo-cli',
        redirectUri: 'http://localhost:6274/oauth/callback',
        scope: 'todos.read',
        resource: MCP,
      });
      await page.goto(refused.url);
      await audit(page, 'error (redirect URI refused)', found);
      await page.goto(`${issuer}/authorize?client_id=${encodeURIComponent(PORTABLE)}x&response_type=code`);
      await audit(page, 'error (unknown client)', found);
      const silent = authorizationUrl(issuer, {
        clientId: 'dcr_3kq9Zr1cLaUde',
        redirectUri: 'http://127.0.0.1:5555/callback',
        scope: 'todos.read',
        resource: MCP,
        prompt: 'none',
      });
      await page.goto(silent.url);
      await page.getByRole('heading', { level: 1, name: 'Sign-in required' }).waitFor();
      await audit(page, 'error (sign-in required, DCR client)', found);

      const consent = authorizationUrl(issuer, {
        clientId: 'todo-cli',
        redirectUri: 'http://127.0.0.1:5555/callback',
        scope: 'todos.read todos.write',
        resource: MCP,
      });
      await page.goto(consent.url);
      await signIn(page, USER);
      await page.getByRole('button', { name: 'Allow' }).waitFor();
      await audit(page, 'consent', found);
      await page.goto(`${issuer}/logout`);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await audit(page, 'logout', found);
      await context.close();
      expect(found.size).toBe(22); // 11 pages, light and dark
      report(found);
    },
    AUDIT_TIMEOUT,
  );

  it(
    'every dashboard page has no serious or critical violation',
    async () => {
      const found = new Map<string, Violation[]>();
      const context = await auditContext();
      const page = await context.newPage();
      await page.goto(`${issuer}/admin`);
      await signIn(page, ADMIN);
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      for (const [path, name] of DASHBOARD_PAGES) {
        await page.goto(`${issuer}${path}`);
        await audit(page, name, found);
      }
      await openDisableConfirmation(page, issuer);
      await audit(page, 'client disable confirmation', found);
      await context.close();
      expect(found.size).toBe(2 * (DASHBOARD_PAGES.length + 1));
      report(found);
    },
    AUDIT_TIMEOUT,
  );
});
