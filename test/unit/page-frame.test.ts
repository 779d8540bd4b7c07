/**
 * The hosted pages' layout renders in the frame its view model carries (src/pages/layout.ts): the
 * frame of a branding snapshot (src/branding/page.ts), branded or not, with no per-request state.
 */
import { describe, expect, it } from 'vitest';
import { brandedFrame } from '../../src/branding/page.js';
import { BrandingRegistry } from '../../src/branding/registry.js';
import type { GatehouseOptions } from '../../src/config/options.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { renderError } from '../../src/pages/error.js';
import { html, layout } from '../../src/pages/layout.js';
import type { Store } from '../../src/store/types.js';

function frameOf(branding: GatehouseOptions['branding']) {
  const config = resolveConfig({
    issuer: 'http://127.0.0.1:4000',
    secret: 'a-secret-of-at-least-thirty-two-characters',
    logger: false,
    branding,
  });
  // snapshot() reads no store: it is the configured branding until a refresh.
  return brandedFrame(new BrandingRegistry({} as Store, config.branding).snapshot());
}

const body = html`<h1 id="page-title">Hello</h1>`;

describe('layout and the page frame', () => {
  it("renders a branded frame's document", () => {
    const frame = frameOf({ name: 'Acme Cloud', colors: { primary: '#0B57D0' } });
    const page = layout({ title: 'Sign in', basePath: '/auth', frame }, body);
    expect(page).toBe(frame.document({ title: 'Sign in', basePath: '/auth', frame }, body));
    expect(page).toContain('<title>Sign in · Acme Cloud</title>');
    expect(page).toContain('<span class="brand-name">Acme Cloud</span>');
    expect(page).toMatch(/href="\/auth\/assets\/gatehouse\.css\?v=[^"]+"/);
    expect(page).toContain('<h1 id="page-title">Hello</h1>');
  });

  it('renders the plain Gatehouse document in the frame of an unbranded snapshot', () => {
    const page = layout({ title: 'Sign in', basePath: '/auth', frame: frameOf(undefined) }, body);
    expect(page).toContain('<title>Sign in · Gatehouse</title>');
    expect(page).toContain('<link rel="stylesheet" href="/auth/assets/gatehouse.css">');
    expect(page).not.toContain('brand-header');
    expect(page).toContain('<h1 id="page-title">Hello</h1>');
  });

  it("a page's replaceable template comes from the frame it is given", () => {
    const frame = frameOf({
      name: 'Acme',
      templates: { error: { html: '<!doctype html><head>{{head}}</head><p>{{error}}</p>{{form}}' } },
    });
    const model = { basePath: '', title: 'Oops', message: 'It broke <badly>' };
    const branded = renderError({ ...model, frame });
    expect(branded).toContain('<p>It broke &lt;badly&gt;</p>');
    expect(branded).toContain('<title>Oops · Acme</title>');
    const plain = renderError({ ...model, frame: frameOf(undefined) });
    expect(plain).not.toContain('Acme');
    expect(plain).toContain('<title>Oops · Gatehouse</title>');
  });
});
