import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal custom sign-in UI, the kind a team writes against the headless API (docs/headless.md):
 * one static HTML page on its own loopback origin whose script reads `?interaction=`, asks
 * `{issuer}/interaction/api/state`, and renders a sign-in form, then the consent question, with
 * credentialed fetches carrying the CSRF token in `X-Gatehouse-CSRF`. Not a test file.
 */

function page(issuer: string): string {
  const script = `
const api = ${JSON.stringify(`${issuer}/interaction/api/`)};
const interaction = new URLSearchParams(location.search).get('interaction');
const main = document.querySelector('main');
let csrf = '';
async function call(action, body) {
  const init = body === undefined
    ? { credentials: 'include' }
    : { method: 'POST', credentials: 'include', body: JSON.stringify({ interaction, ...body }),
        headers: { 'content-type': 'application/json', 'x-gatehouse-csrf': csrf } };
  const url = body === undefined ? api + action + '?interaction=' + encodeURIComponent(interaction) : api + action;
  const response = await fetch(url, init);
  const json = await response.json();
  if (!response.ok) throw new Error(json.error_description || json.error);
  if (json.csrf_token) csrf = json.csrf_token;
  return json;
}
function show(html) { main.innerHTML = html; }
function problem(error) {
  const p = document.createElement('p'); p.setAttribute('role', 'alert'); p.id = 'problem';
  p.textContent = error.message; main.append(p);
}
function render(state) {
  if (state.next === 'continue') { location.assign(state.redirect_to); return; }
  if (state.next === 'login') {
    show('<h1>Sign in to <span id="client"></span></h1><form id="f"><label>Email <input id="email" type="email"></label>' +
      '<label>Password <input id="password" type="password"></label><button>Sign in</button></form>');
    document.getElementById('client').textContent = state.client.name;
    document.getElementById('f').onsubmit = (event) => {
      event.preventDefault();
      const email = document.getElementById('email').value;
      const password = document.getElementById('password').value;
      call('password', { email, password }).then(render, problem);
    };
    return;
  }
  show('<h1>Allow <span id="client-name"></span>?</h1><p>Returns to <span id="redirect-host"></span></p>' +
    '<p>Access to <span id="resource-name"></span>: <span id="scopes"></span></p>' +
    '<p>Signed in as <span id="user"></span></p><button id="allow">Allow</button> <button id="deny">Deny</button>');
  document.getElementById('client-name').textContent = state.client.name;
  document.getElementById('redirect-host').textContent = state.client.redirect_host;
  document.getElementById('resource-name').textContent = state.request.resource_name;
  document.getElementById('scopes').textContent = state.request.scopes.map((s) => s.name).join(' ');
  document.getElementById('user').textContent = state.user.email;
  const decide = (decision) => call('consent', { decision }).then((r) => location.assign(r.redirect_to), problem);
  document.getElementById('allow').onclick = () => decide('allow');
  document.getElementById('deny').onclick = () => decide('deny');
}
call('state').then(render, problem);
`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme sign-in</title>
<link rel="icon" href="data:,"></head><body><main><p>Loading…</p></main><script>${script}</script></body></html>`;
}

export interface HeadlessUiServer {
  origin: string;
  loginUrl: string;
  close(): Promise<void>;
}

/** Binds first (the origin goes into Gatehouse's options); `serve(issuer)` then fills in the page. */
export async function startHeadlessUi(): Promise<HeadlessUiServer & { serve(issuer: string): void }> {
  let html = '';
  const server: Server = createServer((req, res) => {
    if (!req.url?.startsWith('/login')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    loginUrl: `${origin}/login`,
    serve(issuer) {
      html = page(issuer);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
