/**
 * `branding` in the options: how the hosted pages (sign-in, sign-up, consent, recovery, errors, …) look.
 * Every field is validated at start-up (src/branding/schema.ts); the dashboard's Branding page and
 * `PUT /admin/api/branding` edit the same fields except `templates`, and their edit wins over these.
 * @see docs/sign-in.md "Branding"
 */
export interface BrandingOptions {
  /** Product name: in every page's <title>, the page header and the logo's alt text. At most 80 characters. */
  name?: string;
  /**
   * Logo: an https URL (fetched by Gatehouse and served from its own origin) or a
   * `data:image/png|svg+xml|webp;base64,…` URL of at most 64 KiB.
   */
  logo?: string;
  /** Colours, each `#rgb` or `#rrggbb`: buttons and links, the page background, the text. */
  colors?: { primary?: string; background?: string; text?: string };
  /**
   * Extra CSS appended to the built-in stylesheet (at most 32 KiB): CSS text, or a path to a `.css` file
   * read at start-up (relative to the working directory).
   */
  stylesheet?: string;
  /**
   * Replacement page templates: a path to an .html file (relative to the working directory) or
   * `{ html: "…" }`. Each must contain `{{head}}` and `{{form}}`; see src/branding/template.ts.
   * `default` applies to every page without its own template.
   */
  templates?: Partial<
    Record<'login' | 'signup' | 'consent' | 'error' | 'default', string | { html: string }>
  >;
}
