import type { PageFrame } from '../pages/branding.js';
import { documentPage, type Html, html, type LayoutModel } from '../pages/layout.js';
import { PATHS } from '../paths.js';
import type { BrandingSnapshot } from './registry.js';
import { renderTemplate } from './template.js';

/** The product name where none is configured. */
export const DEFAULT_PRODUCT_NAME = 'Gatehouse';

/** Whether any editable field is set (an unbranded snapshot keeps the plain stylesheet URL). */
function isBranded(s: BrandingSnapshot): boolean {
  return Object.keys(s.fields).length > 0;
}

export function stylesheetHref(basePath: string, s: BrandingSnapshot): string {
  const href = basePath + PATHS.stylesheet;
  return isBranded(s) ? `${href}?v=${s.cssVersion}` : href;
}

export function logoHref(basePath: string, s: BrandingSnapshot): string | undefined {
  return s.fields.logo ? `${basePath}${PATHS.brandLogo}?v=${s.logoVersion}` : undefined;
}

/** The logo, its alt text the product name (the image is the name, WCAG 2.1 §1.1.1). */
function logo(basePath: string, s: BrandingSnapshot): Html {
  const src = logoHref(basePath, s);
  return src ? html`<img src="${src}" alt="${s.fields.name ?? DEFAULT_PRODUCT_NAME}">` : html``;
}

/** The product's name and logo above the page content, when either is configured. */
function header(basePath: string, s: BrandingSnapshot): Html {
  if (!s.fields.name && !s.fields.logo) return html``;
  const name = s.fields.name ? html`<span class="brand-name">${s.fields.name}</span>` : '';
  return html`<header class="brand-header">${logo(basePath, s)}${name}</header>`;
}

function head(title: string, stylesheet: string): Html {
  return html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${stylesheet}">`;
}

/** The hosted pages' frame for one branding snapshot (current.ts). */
export function brandedFrame(s: BrandingSnapshot): PageFrame {
  return {
    document(model: LayoutModel, body: Html): string {
      const name = s.fields.name ?? DEFAULT_PRODUCT_NAME;
      const title = `${model.title} · ${name}`;
      const stylesheet = stylesheetHref(model.basePath, s);
      const template = s.templates[model.page ?? 'default'] ?? s.templates.default;
      if (template) {
        return renderTemplate(
          template,
          { title: model.title, product_name: name, ...model.values },
          { head: head(title, stylesheet), form: body, logo: logo(model.basePath, s) },
        );
      }
      return documentPage(
        title,
        stylesheet,
        html`<main class="card" aria-labelledby="page-title">
${header(model.basePath, s)}${body}
</main>`,
      );
    },
  };
}
