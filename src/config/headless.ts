import { z } from 'zod';

/**
 * The headless API (docs/headless.md): teams that bring their own sign-in UI. When enabled, /authorize
 * sends the browser to `loginUrl?interaction=…` instead of the hosted sign-in and consent pages, and
 * that page drives `{issuer}/interaction/api/…` with credentialed CORS from the listed origins only.
 * @see docs/configuration.md ("headless"), docs/security.md
 */
export interface HeadlessOptions {
  /** @default false */
  enabled?: boolean;
  /**
   * The team's sign-in page (https; http only on a loopback host). /authorize sends the browser here,
   * with `interaction` added to the query, whenever someone must sign in or consent. Required when
   * enabled.
   */
  loginUrl?: string;
  /**
   * More origins (`https://app.example`, no path) whose pages may call the headless API with the
   * user's cookies; the origin of `loginUrl` always may. Any other origin is refused. @default []
   */
  origins?: string[];
}

export interface ResolvedHeadless {
  enabled: boolean;
  /** Undefined when disabled. */
  loginUrl: string | undefined;
  /** Exact serialised origins (`URL.origin`); empty when disabled. */
  origins: readonly string[];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

/** https always, http only on a loopback host; no userinfo, no fragment. */
function webUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not contain userinfo';
  if (value.includes('#')) return 'must not have a fragment';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return undefined;
  return 'must use https (http only on a loopback host)';
}

/** An origin exactly as browsers send it in `Origin`: scheme, host and port, nothing else. */
function originProblem(value: string): string | undefined {
  const problem = webUrlProblem(value);
  if (problem) return problem;
  return new URL(value).origin === value ? undefined : `must be an origin such as "${new URL(value).origin}"`;
}

export const headlessSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    loginUrl: z.string().max(2000).optional(),
    origins: z.array(z.string().max(300)).max(20).optional(),
  })
  .superRefine((h, check) => {
    if (h.loginUrl !== undefined) {
      const problem = webUrlProblem(h.loginUrl);
      if (problem) check.addIssue({ code: 'custom', path: ['loginUrl'], message: problem });
    } else if (h.enabled) {
      check.addIssue({ code: 'custom', path: ['loginUrl'], message: 'is required when headless is enabled' });
    }
    h.origins?.forEach((origin, i) => {
      const problem = originProblem(origin);
      if (problem) check.addIssue({ code: 'custom', path: ['origins', i], message: problem });
    });
  })
  .optional();

export function resolveHeadless(o: { headless?: z.output<typeof headlessSchema> }): ResolvedHeadless {
  const h = o.headless;
  if (!h?.enabled || h.loginUrl === undefined) return { enabled: false, loginUrl: undefined, origins: [] };
  return {
    enabled: true,
    loginUrl: h.loginUrl,
    origins: [...new Set([new URL(h.loginUrl).origin, ...(h.origins ?? [])])],
  };
}
