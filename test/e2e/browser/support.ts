/**
 * Shared pieces of the browser suite (not a test file): server options with one user per scenario,
 * a token-endpoint call to prove a code is real, and the accessibility basics every page must meet.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { GatehouseOptions } from '../../../src/config/options.js';
import { baseOptions, USER } from '../../helpers/fixtures.js';

export const PASSWORD = 'correct horse battery';

/** One seeded user per scenario, so consent remembered in one test never leaks into another. */
export function userFor(name: string): { email: string; password: string } {
  return { email: `${name}@example.com`, password: PASSWORD };
}

export function browserSuiteOptions(
  names: string[],
  overrides: Partial<GatehouseOptions> = {},
): Partial<GatehouseOptions> {
  const base = baseOptions();
  return { ...base, users: [USER, ...names.map(userFor)], ...overrides };
}

/** Redeems a code at the token endpoint as a public client; returns the parsed JSON and the status. */
export async function redeemCode(
  issuer: string,
  input: { code: string; verifier: string; clientId: string; redirectUri: string; resource?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: input.code,
    code_verifier: input.verifier,
    client_id: input.clientId,
    redirect_uri: input.redirectUri,
  });
  if (input.resource) body.set('resource', input.resource);
  const response = await fetch(`${issuer}/token`, { method: 'POST', body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The claims of a JWT, unverified (the HTTP suites verify signatures; here we only read `sub`). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** The text of the <dd> that follows the consent page's <dt>{term}</dt>, trimmed. */
export async function definition(page: Page, term: string): Promise<string | undefined> {
  const dd = page.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');
  return (await dd.textContent())?.trim();
}

/**
 * Accessibility basics of a hosted page: a language, exactly one main landmark and one h1 (inside it),
 * every visible form control labelled by a <label> with text, and every button named.
 */
export async function expectAccessibleBasics(page: Page): Promise<void> {
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  await expect.poll(() => page.getByRole('main').count()).toBe(1);
  expect(await page.getByRole('main').getByRole('heading', { level: 1 }).count()).toBe(1);
  expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
  const controls = await page.evaluate(() =>
    [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].map((el) => {
      const control = el as HTMLInputElement;
      return {
        id: control.id || control.name,
        labels: [...(control.labels ?? [])].map((label) => label.textContent?.trim() ?? ''),
      };
    }),
  );
  for (const control of controls) {
    expect(control.labels.filter(Boolean), `input ${control.id} has a label`).not.toHaveLength(0);
  }
  const unnamedButtons = await page.evaluate(
    () =>
      [...document.querySelectorAll('button')].filter(
        (b) => !(b.textContent ?? '').trim() && !b.getAttribute('aria-label'),
      ).length,
  );
  expect(unnamedButtons).toBe(0);
}
