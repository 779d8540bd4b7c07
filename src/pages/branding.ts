import { AsyncLocalStorage } from 'node:async_hooks';
import type { Html, LayoutModel } from './layout.js';

/**
 * The frame of every hosted page for the request being served: the branding in force when it started
 * (src/gatehouse.ts runs each request inside `withPageFrame` with src/branding/page.ts's frame). The pages' layout asks for it, so every
 * page that goes through `layout()` — error and outage pages, consent, sign-up, recovery, and any page
 * added later — is branded without knowing about branding. Outside a request (unit tests rendering a
 * page directly) there is none and the built-in frame applies.
 */
export interface PageFrame {
  /** The whole HTML document around a page's content. */
  document(model: LayoutModel, body: Html): string;
}

const frames = new AsyncLocalStorage<PageFrame>();

export function withPageFrame<T>(frame: PageFrame, run: () => T): T {
  return frames.run(frame, run);
}

export function currentPageFrame(): PageFrame | undefined {
  return frames.getStore();
}
