/**
 * The one definition of what branding may contain, for the configuration file and the dashboard / admin
 * API alike (one rule, one place). Every field ends up in a page, a stylesheet or an image response, so
 * each is closed down to what it needs: colours are `#rgb` / `#rrggbb` only (a colour is written into
 * CSS, and nothing but a hex colour can break out of a declaration there), the logo is an https URL or
 * a small base64 image data URL, the stylesheet is size-capped and is only ever served as its own
 * `text/css` file from Gatehouse's origin (the pages' CSP stays `style-src 'self'`).
 */
import { z } from 'zod';

/** Longest product name, in characters (it sits in <title> and the page header). */
export const MAX_NAME_LENGTH = 80;
/** Largest custom stylesheet, in bytes of UTF-8. */
export const MAX_STYLESHEET_BYTES = 32 * 1024;
/** Largest logo image, in bytes (a data: URL decoded, or an https logo as fetched). */
export const MAX_LOGO_BYTES = 64 * 1024;
/** Longest https logo URL. */
const MAX_LOGO_URL_LENGTH = 2048;

/** `#rgb` or `#rrggbb`: nothing else reaches the CSS custom properties. */
export const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** The image types a logo may have; SVG is allowed because it is only ever served under `sandbox`. */
export const LOGO_TYPES = ['image/png', 'image/svg+xml', 'image/webp'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

const DATA_URL = /^data:(image\/png|image\/svg\+xml|image\/webp);base64,([A-Za-z0-9+/]+={0,2})$/;

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\p{Bidi_Control}]/u;

/** A data: logo's type and bytes, or a reason it is refused. */
export function decodeDataLogo(value: string): { type: LogoType; bytes: Buffer } | string {
  const match = DATA_URL.exec(value);
  if (!match) return 'a data: logo must be data:image/png, image/svg+xml or image/webp with ;base64,';
  const bytes = Buffer.from(match[2]!, 'base64');
  if (bytes.length > MAX_LOGO_BYTES) return `a data: logo must be at most ${MAX_LOGO_BYTES} bytes`;
  return { type: match[1] as LogoType, bytes };
}

/** Why `value` is not a usable logo URL, or undefined when it is. */
export function logoProblem(value: string): string | undefined {
  if (value.startsWith('data:')) {
    const decoded = decodeDataLogo(value);
    return typeof decoded === 'string' ? decoded : undefined;
  }
  if (value.length > MAX_LOGO_URL_LENGTH) return `must be at most ${MAX_LOGO_URL_LENGTH} characters`;
  // The URL parser drops tabs and line breaks silently; a logo URL holds none.
  if (CONTROL.test(value)) return 'must not contain control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an https URL or a data:image/… URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL or a data:image/… URL';
  if (url.username || url.password) return 'must not carry credentials';
  return undefined;
}

const colour = z.string().regex(HEX_COLOUR, 'must be a colour written #rgb or #rrggbb').optional();

/** Stylesheet text, however it arrived (inline, from a file, from the dashboard). */
export const stylesheetText = z
  .string()
  .refine((s) => Buffer.byteLength(s) <= MAX_STYLESHEET_BYTES, {
    message: `must be at most ${MAX_STYLESHEET_BYTES} bytes`,
  })
  .refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL characters' });

/** What the dashboard and `PUT /admin/api/branding` edit; also the editable part of the configuration. */
export const brandingFieldsSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`)
    .refine((s) => !CONTROL.test(s), { message: 'must not contain control characters' })
    .optional(),
  logo: z
    .string()
    .superRefine((value, issue) => {
      const problem = logoProblem(value);
      if (problem) issue.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  colors: z.strictObject({ primary: colour, background: colour, text: colour }).optional(),
  stylesheet: stylesheetText.optional(),
});

export type BrandingFields = z.output<typeof brandingFieldsSchema>;

/** The hosted pages a template can replace; `default` stands for every page without its own. */
export const TEMPLATE_PAGES = ['login', 'signup', 'consent', 'error', 'default'] as const;
export type TemplatePage = (typeof TEMPLATE_PAGES)[number];

/** A template: a path to an .html file, or its text inline (`{ "html": "<!doctype html>…" }`). */
const templateSource = z.union([
  z.string().min(1),
  z.strictObject({ html: z.string().max(256 * 1024, 'must be at most 262144 characters') }),
]);

/**
 * `branding` in the configuration: the editable fields (the stylesheet may also be a path to a .css
 * file, read at start-up) and the page templates, which only the configuration sets.
 */
export const brandingConfigSchema = brandingFieldsSchema
  .extend({
    stylesheet: z.string().optional(),
    templates: z.partialRecord(z.enum(TEMPLATE_PAGES), templateSource).optional(),
  })
  .optional();
