import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import {
  type BrandingFields,
  type brandingConfigSchema,
  stylesheetText,
  TEMPLATE_PAGES,
  type TemplatePage,
} from './schema.js';
import { type CompiledTemplate, parseTemplate, TemplateError } from './template.js';

/** Configured branding, resolved: the editable fields (the dashboard's defaults) and parsed templates. */
export type ResolvedBranding = BrandingFields & {
  templates: Partial<Record<TemplatePage, CompiledTemplate>>;
};

type BrandingConfig = z.output<typeof brandingConfigSchema>;

/**
 * A stylesheet value that names a file rather than holding CSS: ends in `.css` and has no `{` (CSS text
 * always has a rule block). Relative paths are read from the working directory at start-up.
 */
export function isStylesheetPath(value: string): boolean {
  return /\.css$/i.test(value.trim()) && !value.includes('{') && !value.includes('\n');
}

function readText(path: string, field: string): string {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch {
    throw new TemplateError(`${field}: cannot read the file ${resolve(path)}`);
  }
}

function resolveStylesheet(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = isStylesheetPath(value) ? readText(value, 'branding.stylesheet') : value;
  const checked = stylesheetText.safeParse(text);
  if (!checked.success) throw new TemplateError(`branding.stylesheet: ${checked.error.issues[0]!.message}`);
  return text;
}

function resolveTemplates(
  templates: NonNullable<BrandingConfig>['templates'],
): ResolvedBranding['templates'] {
  const out: ResolvedBranding['templates'] = {};
  for (const page of TEMPLATE_PAGES) {
    const source = templates?.[page];
    if (source === undefined) continue;
    const field = `branding.templates.${page}`;
    const text = typeof source === 'string' ? readText(source, field) : source.html;
    try {
      out[page] = parseTemplate(text);
    } catch (error) {
      if (error instanceof TemplateError) throw new TemplateError(`${field}: ${error.message}`);
      throw error;
    }
  }
  return out;
}

/**
 * Reads the stylesheet file and the templates, and checks them (the schema already checked the rest).
 * A problem comes back as one line naming the field and what to change, for ConfigError.
 */
export function resolveBranding(config: BrandingConfig): { branding: ResolvedBranding; problem?: string } {
  const { templates, stylesheet, ...fields } = config ?? {};
  try {
    return {
      branding: {
        ...fields,
        stylesheet: resolveStylesheet(stylesheet),
        templates: resolveTemplates(templates),
      },
    };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { branding: { templates: {} }, problem: error.message };
  }
}

/** The editable fields alone (what the dashboard starts from and what "reset" returns to). */
export function editableFields(b: ResolvedBranding): BrandingFields {
  const { templates: _, ...fields } = b;
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as BrandingFields;
}
