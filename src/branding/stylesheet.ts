import { createHash } from 'node:crypto';
import { STYLESHEET } from '../pages/styles.js';
import type { BrandingFields } from './schema.js';

/**
 * The hosted pages' stylesheet with the branding applied: the built-in rules, then the brand colours as
 * CSS custom properties (in both colour schemes: a brand picks its own), then the operator's stylesheet.
 * One file from Gatehouse's origin, so the pages' CSP stays `style-src 'self'` and allows no inline style.
 * Colours are validated #rgb / #rrggbb (schema.ts): nothing else is ever written into a declaration here.
 */
export function brandedStylesheet(fields: BrandingFields): string {
  const variables = colourVariables(fields.colors ?? {});
  const parts = [STYLESHEET, BRAND_RULES];
  if (variables) parts.push(`:root { ${variables} }\n`);
  if (fields.stylesheet) parts.push(`/* branding.stylesheet */\n${fields.stylesheet}\n`);
  return parts.join('');
}

/** A short hash of the stylesheet, in its URL, so a branding change is fetched at once despite caching. */
export function stylesheetVersion(css: string): string {
  return createHash('sha256').update(css).digest('base64url').slice(0, 12);
}

/** The header with the logo and product name (only rendered when a name or logo is set). */
const BRAND_RULES = `
.brand-header { display:flex; align-items:center; gap:.6rem; margin: 0 0 1.25rem; font-weight:700; font-size:1.05rem; }
.brand-header img { display:block; max-height:40px; max-width:160px; width:auto; height:auto; }
`;

type Colours = NonNullable<BrandingFields['colors']>;

function colourVariables(c: Colours): string {
  const out: string[] = [];
  if (c.primary) out.push(`--accent:${c.primary}`, `--accent-fg:${readableOn(c.primary)}`);
  if (c.background) out.push(`--bg:${c.background}`);
  if (c.text) out.push(`--fg:${c.text}`);
  if (c.background && c.text) {
    // A card, borders and secondary text that belong to the brand's own pair of colours.
    out.push(
      `--card:color-mix(in srgb, ${c.background} 94%, ${c.text})`,
      `--line:color-mix(in srgb, ${c.background} 75%, ${c.text})`,
      `--field:color-mix(in srgb, ${c.background} 50%, ${c.text})`,
      `--muted:color-mix(in srgb, ${c.text} 70%, ${c.background})`,
    );
  }
  return out.map((d) => `${d};`).join(' ');
}

/** Black or white, whichever reads better on `hex` (WCAG 2.1 relative luminance). */
export function readableOn(hex: string): string {
  const digits =
    hex.length === 4
      ? [...hex.slice(1)].map((d) => d + d)
      : [hex.slice(1, 3), hex.slice(3, 5), hex.slice(5, 7)];
  const [r, g, b] = digits.map((d) => {
    const v = Number.parseInt(d, 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.179 ? '#000' : '#fff';
}
