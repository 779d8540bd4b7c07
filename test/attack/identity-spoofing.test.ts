import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClientSeed } from '../../src/config/resolve.js';
import { createGatehouse } from '../../src/gatehouse.js';
import { clientRecordFromSeed } from '../../src/lanes/preregistered.js';
import { authorizationUrl, DocumentHost } from '../helpers/cimd.js';
import { runCli, tempDir, writeConfig } from '../helpers/cli.js';
import { admin, adminToken, dcrOptions, register } from '../helpers/dcr.js';
import { RESOURCE, USER } from '../helpers/fixtures.js';
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js';
import { decodeEntities, UserAgent } from '../helpers/user-agent.js';

/**
 * Identity and presentation cannot be spoofed (issue 11 part 7), black-box over HTTP where observable:
 * - a chosen client_id can never take a user's subject (`usr_…`), another lane's form (`dcr_…`) or a
 *   URL, so a client_credentials token's `sub` never names a user (RFC 9068 §2.2, RFC 9700 §4.15);
 * - names people read cannot carry text-direction controls or invisible characters (RFC 7591 §5);
 * - the sign-in page, not only consent, shows the lane badge and the hosts of DCR and CIMD clients;
 * - the settings a dashboard shows never contain a secret, in any URL form.
 */

const CIMD_CLIENT = 'https://tool.example.com/oauth/client.json';
const URL_SECRET = 'sk-live-0123456789abcdef';
const host = new DocumentHost();
let srv: TestServer;
let call: ReturnType<typeof admin>;

beforeAll(async () => {
  srv = await startServer((origin) => {
    const options = dcrOptions({}, origin);
    return {
      ...options,
      resources: [
        ...(options.resources ?? []),
        { resource: `https://svc:${URL_SECRET}@billing.example/mcp?api_key=${URL_SECRET}`, name: 'Billing' },
      ],
      cimd: { enabled: true, fetch: host.fetch },
    };
  });
  call = admin(srv.issuer, await adminToken(srv.issuer));
});
afterAll(() => srv.close());

/** The sign-in page a browser lands on for an authorization request by `clientId`. */
async function signInPage(clientId: string, redirectUri: string): Promise<string> {
  const agent = new UserAgent(srv.origin);
  const { url } = await authorizationUrl(srv.issuer, clientId, redirectUri);
  let response = await agent.request(url);
  for (let i = 0; i < 5 && response.status >= 300 && response.status < 400; i++)
    response = await agent.request(new URL(response.headers.get('location')!, srv.origin).href);
  const html = await response.text();
  expect(html, html.slice(0, 300)).toContain('name="password"');
  return html;
}

const text = (html: string, id: string) =>
  decodeEntities(new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? '');

describe('chosen client_ids cannot impersonate a user or another lane', () => {
  it("the admin API refuses a client_id equal to a user's id, naming client_id", async () => {
    const user = await srv.gh.store.getUserByEmail(USER.email);
    expect(user!.id).toMatch(/^usr_/);
    const created = await call('POST', 'clients', {
      client_id: user!.id,
      confidential: true,
      grant_types: ['client_credentials'],
    });
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ error: 'invalid_client_metadata' });
    expect(String(created.body.error_description)).toMatch(/^client_id: .*["']usr_["']/);
    expect(await srv.gh.store.getClient(user!.id)).toBeUndefined();
  });

  it.each([
    ['another user-shaped id in capitals', 'USR_0123456789abcdefghij'],
    ['a DCR-shaped id', 'dcr_0123456789abcdef0123456789abcdef'],
    ['a refresh-token-shaped id', 'ghr_abc'],
    ['a CIMD URL', 'https://tool.example.com/oauth/client.json'],
    ['a URN', 'urn:example:agent'],
    ["the audit log's actor form", 'user:usr_0123456789abcdefghij'],
  ])('the admin API refuses %s (%s)', async (_name, clientId) => {
    const created = await call('POST', 'clients', {
      client_id: clientId,
      confidential: true,
      grant_types: ['client_credentials'],
    });
    expect(created.status).toBe(400);
    expect(String(created.body.error_description)).toMatch(/^client_id: /);
  });

  it("a client_credentials token's sub is the client's own id, never a user's", async () => {
    const created = await call('POST', 'clients', {
      client_id: 'reporting-agent',
      confidential: true,
      grant_types: ['client_credentials'],
    });
    expect(created.status).toBe(201);
    const response = await fetch(`${srv.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`reporting-agent:${created.body.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }),
    });
    const token = ((await response.json()) as { access_token: string }).access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.sub).toBe('reporting-agent');
    expect(await srv.gh.store.getUserById(claims.sub)).toBeUndefined();
  });

  it('a user-shaped client stored before the rule existed gets no client_credentials token', async () => {
    const secret = 'legacy-secret-0123456789-abcdefghijklmnop';
    const at = Date.now();
    await srv.gh.store.createClient({
      ...clientRecordFromSeed(
        resolveClientSeed({
          client_id: 'machine',
          client_secret: secret,
          grant_types: ['client_credentials'],
        }),
        at,
      ),
      client_id: 'usr_legacy0123456789abcd',
    });
    const response = await fetch(`${srv.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`usr_legacy0123456789abcd:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unauthorized_client' });
  });

  it('a configuration with a reserved client_id fails at start-up, naming the field', async () => {
    await expect(
      createGatehouse({
        issuer: 'http://127.0.0.1:1',
        secret: TEST_SECRET,
        database: 'sqlite::memory:',
        logger: false,
        clients: [
          { client_id: 'usr_imposter', client_secret: 'x'.repeat(40), grant_types: ['client_credentials'] },
        ],
      }),
    ).rejects.toThrow(/clients\[0\]\.client_id: .*["']usr_["']/);
  });
});

describe('the CLI applies the same rules (dist/, as after npm ci)', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await tempDir();
    file = await writeConfig(dir, {
      issuer: 'http://127.0.0.1:4999',
      database: `sqlite:${join(dir, 'cli.db')}`,
      secret: TEST_SECRET,
      resources: [{ resource: RESOURCE, name: 'Todo MCP', scopes: ['todos.read'] }],
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const create = (...args: string[]) =>
    runCli([
      'clients',
      'create',
      '--config',
      file,
      '--confidential',
      '--grant-type',
      'client_credentials',
      ...args,
    ]);

  it.each([
    ['usr_0123456789abcdefghij', /client_id: .*["']usr_["']/],
    ['dcr_0123456789abcdef', /client_id: .*["']dcr_["']/],
    ['https://tool.example.com/client.json', /client_id: .*URL/],
  ])('clients create --client-id %s exits non-zero naming client_id', async (clientId, message) => {
    const result = await create('--client-id', clientId);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('clients create refuses a --name with a text-direction override', async () => {
    const result = await create('--name', 'Nightly\u202E report');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/client_name: /);
  });

  it('users create --email-verified vouches for the address; without it the address is unverified', async () => {
    const vouched = await runCli([
      'users',
      'create',
      '--config',
      file,
      '--email',
      'ops@example.com',
      '--password',
      'long password 1',
      '--email-verified',
    ]);
    expect(JSON.parse(vouched.stdout)).toMatchObject({ email: 'ops@example.com', email_verified: true });
    const plain = await runCli([
      'users',
      'create',
      '--config',
      file,
      '--email',
      'dev@example.com',
      '--password',
      'long password 1',
    ]);
    expect(JSON.parse(plain.stdout)).toMatchObject({ email: 'dev@example.com', email_verified: false });
  });
});

describe('names shown to people cannot disguise themselves', () => {
  it('DCR refuses a client_name with a right-to-left override as invalid_client_metadata', async () => {
    const response = await register(srv.issuer, {
      client_name: 'Google Drive\u202Eevil',
      redirect_uris: ['https://app.attacker.example/cb'],
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_client_metadata' });
    expect(String(response.body.error_description)).toMatch(/client_name/);
  });

  it('DCR strips invisible characters from a client_name, and the pages show the cleaned name', async () => {
    const response = await register(srv.issuer, {
      client_name: 'G\u200Boo\u2060gle\uFEFF  Drive',
      redirect_uris: ['https://app.attacker.example/cb'],
    });
    expect(response.status).toBe(201);
    expect(response.body.client_name).toBe('Google Drive');
    const html = await signInPage(String(response.body.client_id), 'https://app.attacker.example/cb');
    expect(text(html, 'client-name')).toBe('Google Drive');
  });

  it('the admin API refuses a client_name with text-direction controls', async () => {
    const patched = await call('PATCH', 'clients/web-app', { client_name: 'Web App\u2067x\u2069' });
    expect(patched.status).toBe(400);
    expect(String(patched.body.error_description)).toMatch(/^client_name: /);
  });

  it('a CIMD document whose client_name carries a bidi control gets an error page, no client', async () => {
    const id = 'https://bidi.example.com/client.json';
    host.publish(id, { client_name: 'Acme\u2066 Tools' });
    const { url } = await authorizationUrl(srv.issuer, id, 'https://tool.example.com/cb');
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(await page.text()).toMatch(/client_name/);
    expect(await srv.gh.store.getClient(id)).toBeUndefined();
  });

  it.each([
    ['a right-to-left override', 'moc.elpmaxe@\u202Eada@example.com', 'Enter a valid email address.'],
    ['a zero-width space', 'ad\u200Ba@example.com', 'Enter a valid email address.'],
    // Control characters are refused where the form is parsed (src/http/characters.ts).
    ['a C1 control', 'ada\u0085@example.com', 'contains a control character (U+0085)'],
  ])('sign-up refuses an e-mail address with %s', async (_name, email, message) => {
    const agent = new UserAgent(srv.origin);
    const page = await agent.request(`${srv.issuer}/signup`);
    const response = await agent.submit(await page.text(), { email, password: 'long enough password' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(message);
    expect(await srv.gh.store.getUserByEmail(email)).toBeUndefined();
  });

  it('no page carries a bidi or C1 control even from a record stored before these rules', async () => {
    await srv.gh.store.updateClient('native-app', { client_name: 'Native\u202E ppA\u0085' });
    const html = await signInPage('native-app', 'http://127.0.0.1:5555/callback');
    expect(html).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u0080-\u009F]/);
    expect(text(html, 'client-name')).toBe('Native ppA');
    await srv.gh.store.updateClient('native-app', { client_name: 'Native App' });
  });
});

describe('the sign-in page shows who is really asking', () => {
  it('a DCR client: the "unverified" badge, the host it returns to, and that it registered itself', async () => {
    const response = await register(srv.issuer, {
      client_name: 'Gatehouse Admin',
      redirect_uris: ['https://phish.attacker.example/cb'],
    });
    const html = await signInPage(String(response.body.client_id), 'https://phish.attacker.example/cb');
    expect(text(html, 'client-name')).toBe('Gatehouse Admin');
    expect(text(html, 'client-badge')).toBe('unverified');
    expect(text(html, 'redirect-host')).toBe('phish.attacker.example');
    expect(decodeEntities(html)).toContain('This application registered itself.');
  });

  it("a CIMD client: the web-address badge, its client_id's host, and its redirect host", async () => {
    host.publish(CIMD_CLIENT, { client_name: 'Claude' });
    const html = await signInPage(CIMD_CLIENT, 'https://tool.example.com/cb');
    expect(text(html, 'client-name')).toBe('Claude');
    expect(text(html, 'client-badge')).toBe('web address');
    expect(text(html, 'client-host')).toBe('tool.example.com');
    expect(text(html, 'redirect-host')).toBe('tool.example.com');
    expect(decodeEntities(html)).toContain('identified by its web address');
  });

  it('an internationalised look-alike host is shown in its punycode form, with a warning', async () => {
    const lookalike = 'https://\u0430pp.example/cb'; // Cyrillic "а"
    const response = await register(srv.issuer, { client_name: 'App', redirect_uris: [lookalike] });
    expect(response.status).toBe(201);
    const html = await signInPage(String(response.body.client_id), lookalike);
    expect(text(html, 'redirect-host')).toBe('xn--pp-6kc.example');
    expect(decodeEntities(html)).toContain('can imitate another address');
  });

  it('the sign-up page reached from it shows the same badge and hosts', async () => {
    host.publish(CIMD_CLIENT, { client_name: 'Claude' });
    const html = await signInPage(CIMD_CLIENT, 'https://tool.example.com/cb');
    const href = decodeEntities(/href="([^"]*\/signup[^"]*)"/.exec(html)![1]!);
    const signup = await (await fetch(new URL(href, srv.origin))).text();
    expect(signup).toContain('Create account');
    expect(text(signup, 'client-badge')).toBe('web address');
    expect(text(signup, 'client-host')).toBe('tool.example.com');
    expect(text(signup, 'redirect-host')).toBe('tool.example.com');
  });

  it('a preregistered client is named without the self-registration warnings', async () => {
    const html = await signInPage('native-app', 'http://127.0.0.1:5555/callback');
    expect(text(html, 'client-name')).toBe('Native App');
    expect(html).not.toContain('id="client-badge"');
    expect(html).not.toContain('registered itself');
  });

  it('the client stays named on the page after a failed sign-in', async () => {
    host.publish(CIMD_CLIENT, { client_name: 'Claude' });
    const agent = new UserAgent(srv.origin);
    const { url } = await authorizationUrl(srv.issuer, CIMD_CLIENT, 'https://tool.example.com/cb');
    let response = await agent.request(url);
    while (response.status >= 300 && response.status < 400)
      response = await agent.request(new URL(response.headers.get('location')!, srv.origin).href);
    const failed = await agent.submit(await response.text(), {
      email: USER.email,
      password: 'wrong password',
    });
    expect(failed.status).toBe(401);
    const html = await failed.text();
    expect(text(html, 'client-badge')).toBe('web address');
    expect(text(html, 'client-host')).toBe('tool.example.com');
  });
});

describe('settings never show a secret', () => {
  it('the admin API hides URL passwords and secret query parameters, and every configured secret', async () => {
    const settings = JSON.stringify((await call('GET', 'settings')).body);
    expect(settings).not.toContain(URL_SECRET);
    expect(settings).not.toContain(TEST_SECRET);
    expect(settings).not.toContain(USER.password);
    expect(settings).toContain('https://svc:[hidden]@billing.example/mcp?api_key=[hidden]');
  });
});
