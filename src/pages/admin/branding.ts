import type { BrandingView } from '../../operations/branding.js';
import { type Html, html } from '../layout.js';
import { adminPage, type FrameModel, formFields, time } from './layout.js';

/**
 * Branding (issue 16): the hosted pages' product name, logo, colours and extra stylesheet, edited here
 * over the configuration's values; a reset returns to them. Page templates are configuration-only.
 */
export interface BrandingModel {
  frame: FrameModel;
  admin: string;
  csrf: string;
  view: BrandingView;
}

function colourField(id: string, label: string, value: string | undefined, hint: string): Html {
  return html`<div class="field"><label for="brand-${id}">${label} <span class="muted hint">${hint}</span></label>
<input id="brand-${id}" name="${id}" type="text" pattern="#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})" maxlength="7" autocomplete="off" placeholder="#0b57d0" value="${value ?? ''}"></div>`;
}

function origin(m: BrandingModel): Html {
  const v = m.view;
  return v.source === 'database'
    ? html`<p class="muted" id="branding-source">Edited in the dashboard by <code>${v.updated_by ?? 'unknown'}</code> at ${time(v.updated_at)}. The configuration's branding applies again after a reset.</p>`
    : html`<p class="muted" id="branding-source">From the configuration file. Saving here overrides it for every instance.</p>`;
}

export function renderBranding(m: BrandingModel): string {
  const b = m.view.branding;
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Branding</h1>
<p class="muted">How the sign-in, sign-up, consent, recovery and error pages look. Changes apply to every instance within 5 seconds.</p>
${origin(m)}
<form method="post" action="${m.admin}/branding/action" class="card">
${formFields({ csrf: m.csrf, op: 'save' })}
<div class="field"><label for="brand-name">Product name <span class="muted hint">in every page title and header</span></label>
<input id="brand-name" name="name" type="text" maxlength="80" autocomplete="off" value="${b.name ?? ''}"></div>
<div class="field"><label for="brand-logo">Logo <span class="muted hint">an https URL or a data:image/png, svg+xml or webp URL</span></label>
<input id="brand-logo" name="logo" type="text" autocomplete="off" value="${b.logo ?? ''}"></div>
${colourField('primary', 'Primary colour', b.colors?.primary, 'buttons and links')}
${colourField('background', 'Background colour', b.colors?.background, 'the page behind the card')}
${colourField('text', 'Text colour', b.colors?.text, '')}
<div class="field"><label for="brand-stylesheet">Extra stylesheet <span class="muted hint">CSS added after the built-in rules, at most 32 KiB</span></label>
<textarea id="brand-stylesheet" name="stylesheet" rows="8">${b.stylesheet ?? ''}</textarea></div>
<div class="actions"><button type="submit" class="primary">Save branding</button></div>
</form>
${
  m.view.source === 'database'
    ? html`<form method="post" action="${m.admin}/branding/action">${formFields({ csrf: m.csrf, op: 'reset' })}<button type="submit">Reset to the configuration</button></form>`
    : ''
}`,
  );
}
