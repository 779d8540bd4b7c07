/**
 * The branding schema (src/branding/schema.ts) as the configuration sees it: one rule per field, each
 * refusal naming the field, files read and templates checked at start-up.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brandingFieldsSchema, MAX_LOGO_BYTES, MAX_STYLESHEET_BYTES } from '../../src/branding/schema.js';
import { brandedStylesheet, readableOn } from '../../src/branding/stylesheet.js';
import type { GatehouseOptions } from '../../src/config/options.js';
import { ConfigError, resolveConfig } from '../../src/config/resolve.js';

const base = {
  issuer: 'http://127.0.0.1:4000',
  secret: 'a-secret-of-at-least-thirty-two-characters',
  logger: false as const,
};

function problem(branding: unknown): string {
  try {
    resolveConfig({ ...base, branding } as GatehouseOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

const png = (bytes: number) => `data:image/png;base64,${Buffer.alloc(bytes, 1).toString('base64')}`;

describe('branding configuration', () => {
  it('accepts a full branding and resolves it', () => {
    const config = resolveConfig({
      ...base,
      branding: {
        name: '  Acme Cloud ',
        logo: 'https://cdn.acme.example/logo.svg',
        colors: { primary: '#0B57D0', background: '#fff', text: '#111111' },
        stylesheet: '.card { border-radius: 0 }',
      },
    });
    expect(config.branding).toMatchObject({
      name: 'Acme Cloud',
      colors: { primary: '#0B57D0' },
      templates: {},
    });
  });

  it('accepts colours only as #rgb or #rrggbb', () => {
    for (const bad of [
      'red',
      '#12',
      '#1234',
      '#12345g',
      'rgb(0,0,0)',
      '#000;background:url(x)',
      '#fff }',
      'var(--x)',
    ]) {
      expect(problem({ colors: { primary: bad } })).toContain(
        'branding.colors.primary: must be a colour written #rgb or #rrggbb',
      );
    }
    expect(problem({ colors: { accent: '#fff' } })).toContain('branding.colors');
  });

  it('accepts a logo only as https or a base64 png/svg/webp data: URL of at most 64 KiB', () => {
    for (const bad of [
      'javascript:alert(1)',
      'http://cdn.example/logo.png',
      'data:text/html;base64,PHNjcmlwdD4=',
      'data:image/png,raw',
      'https://user:pw@cdn.example/l.png',
      '//cdn.example/l.png',
      'vbscript:x',
    ]) {
      expect(problem({ logo: bad }), bad).toContain('branding.logo');
    }
    expect(problem({ logo: png(MAX_LOGO_BYTES + 1) })).toContain(`at most ${MAX_LOGO_BYTES} bytes`);
    expect(brandingFieldsSchema.safeParse({ logo: png(MAX_LOGO_BYTES) }).success).toBe(true);
  });

  it('refuses a stylesheet over 32 KiB, inline or from a file', () => {
    const big = `a{}${' '.repeat(MAX_STYLESHEET_BYTES)}`;
    expect(problem({ stylesheet: big })).toContain(
      `branding.stylesheet: must be at most ${MAX_STYLESHEET_BYTES} bytes`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'brand-'));
    writeFileSync(join(dir, 'big.css'), big);
    expect(problem({ stylesheet: join(dir, 'big.css') })).toContain('branding.stylesheet');
    writeFileSync(join(dir, 'ok.css'), '.card { color: #000 }');
    expect(
      resolveConfig({ ...base, branding: { stylesheet: join(dir, 'ok.css') } }).branding.stylesheet,
    ).toBe('.card { color: #000 }');
    expect(problem({ stylesheet: join(dir, 'missing.css') })).toContain(
      'branding.stylesheet: cannot read the file',
    );
  });

  it('refuses an empty, over-long or control-character product name', () => {
    expect(problem({ name: '   ' })).toContain('branding.name');
    expect(problem({ name: 'x'.repeat(81) })).toContain('branding.name');
    expect(problem({ name: 'Acme\u202eduolC' })).toContain('branding.name');
  });

  it('checks a replaced template at start-up and says what to add', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brand-'));
    writeFileSync(
      join(dir, 'login.html'),
      '<!doctype html><html><head>{{head}}</head><body><h2>Hi</h2></body></html>',
    );
    expect(problem({ templates: { login: join(dir, 'login.html') } })).toContain(
      'branding.templates.login: add {{form}} (required in every template)',
    );
    expect(
      problem({ templates: { consent: { html: '{{head}}<a href="{{client_name}}">{{form}}' } } }),
    ).toContain('branding.templates.consent: line 1: a placeholder cannot stand inside a tag');
    expect(problem({ templates: { account: { html: '{{head}}{{form}}' } } })).toContain('branding.templates');
    expect(problem({ templates: { login: join(dir, 'nope.html') } })).toContain('cannot read the file');
  });
});

describe('branded stylesheet', () => {
  it('writes the colours as custom properties after the built-in rules, the custom stylesheet last', () => {
    const css = brandedStylesheet({ colors: { primary: '#ffcc00' }, stylesheet: '.x{}' });
    expect(css).toContain(':root { --accent:#ffcc00; --accent-fg:#000; }');
    expect(css.endsWith('.x{}\n')).toBe(true);
  });

  it('picks black or white button text, whichever reads better on the primary colour', () => {
    expect(readableOn('#000')).toBe('#fff');
    expect(readableOn('#ffffff')).toBe('#000');
    expect(readableOn('#0b57d0')).toBe('#fff');
  });
});
