/**
 * A minimal user agent for HTTP tests: keeps cookies, follows the hosted pages' forms by their labels
 * and hidden fields, and stops at the first redirect that leaves the authorization server. It signs in
 * and approves through the real pages; the server has no test-only shortcut.
 */
export class UserAgent {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(new URL(url, this.origin), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Submits the first form on `html` whose hidden fields are kept, with `fields` filled in. */
  async submit(
    html: string,
    fields: Record<string, string>,
    options: { origin?: string | null } = {},
  ): Promise<Response> {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    if (!form) throw new Error(`no form in page: ${html.slice(0, 500)}`);
    const body = new URLSearchParams();
    for (const match of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      body.set(match[1]!, decodeEntities(match[2]!));
    }
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const origin = options.origin === undefined ? this.origin : options.origin;
    if (origin !== null) headers.origin = origin;
    return this.request(decodeEntities(form[1]!), { method: 'POST', body, headers });
  }

  /**
   * Drives an authorization request through sign-in and consent; returns the final redirect to the
   * client (the Location header) or the last response if it is not a redirect off the server.
   */
  async authorize(
    authorizationUrl: string,
    user: { email: string; password: string },
    decision: 'allow' | 'deny' = 'allow',
  ): Promise<{ location?: string; response: Response; pages: string[] }> {
    const pages: string[] = [];
    let response = await this.request(authorizationUrl);
    for (let step = 0; step < 10; step++) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, this.origin);
        if (next.origin !== this.origin || !isServerPath(next.pathname)) return { location, response, pages };
        response = await this.request(next.href);
        continue;
      }
      const html = await response.text();
      pages.push(html);
      if (html.includes('name="password"')) {
        response = await this.submit(html, { email: user.email, password: user.password });
      } else if (html.includes('name="decision"')) {
        response = await this.submit(html, { decision });
      } else {
        return {
          response: new Response(html, { status: response.status, headers: response.headers }),
          pages,
        };
      }
    }
    throw new Error('too many steps');
  }
}

function isServerPath(pathname: string): boolean {
  return /\/(authorize|login|signup|consent|authorize\/resume)$/.test(pathname);
}

export function decodeEntities(value: string): string {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
