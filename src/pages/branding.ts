import type { Html, LayoutModel } from './layout.js';

/**
 * The frame of a hosted page: the branding in force when its handler rendered it. Handlers take it
 * once per page (src/interaction/pages-common.ts `pageFrame`, src/branding/page.ts) and pass it in
 * the page's view model; the pages' layout renders through it, so every page that goes through
 * `layout()` — error and outage pages, consent, sign-up, recovery, and any page added later — is
 * branded without knowing about branding.
 */
export interface PageFrame {
  /** The whole HTML document around a page's content. */
  document(model: LayoutModel, body: Html): string;
}
