/**
 * A Gatehouse filled with the dashboard screenshot data (../admin/screenshot-data.ts), for the browser
 * suite's page audits: the accessibility audit and the 390 px dashboard test. Not a test file.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeListener } from '../../../src/adapters/node.js';
import type { MailMessage } from '../../../src/config/options.js';
import { createGatehouse } from '../../../src/gatehouse.js';
import { openStore } from '../../../src/store/index.js';
import { MCP, NOTES, SCREENSHOT_SECRET, seedScreenshotData } from '../admin/screenshot-data.js';

export const ADMIN = { email: 'root@example.com', password: 'admin password 123' };
/** A seeded user who is not an administrator (same password as every seeded user). */
export const SEEDED_USER = { email: 'ada@example.com', password: 'admin password 123' };

export interface SeededServer {
  issuer: string;
  /** Every message handed to the mailer. */
  mail: MailMessage[];
  close(): Promise<void>;
}

/** Port 0 picks a free one; a fixed port (and clock) keeps screenshots byte-stable. */
export async function startSeededServer(options: { port?: number; clock?: () => number } = {}) {
  let listener: ReturnType<typeof toNodeListener> | undefined;
  const server = createServer((req, res) => listener!(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  await seedScreenshotData(store);
  const mail: MailMessage[] = [];
  const gh = await createGatehouse(
    {
      issuer,
      secret: SCREENSHOT_SECRET,
      logger: false,
      signup: true,
      ...(options.clock ? { clock: options.clock } : {}),
      resources: [
        {
          resource: MCP,
          name: 'Todo MCP',
          scopes: ['todos.read', 'todos.write'],
          default_scopes: ['todos.read'],
          scope_descriptions: {
            'todos.read': 'Read your todos',
            'todos.write': 'Create and change your todos',
          },
        },
        { resource: NOTES, name: 'Notes API', scopes: ['notes.read'], lanes: { dcr: false } },
      ],
      clients: [
        { client_id: 'todo-cli', client_name: 'Todo CLI', redirect_uris: ['http://127.0.0.1/callback'] },
      ],
      cimd: { enabled: true },
      dcr: { enabled: true },
      mailer: async (message) => {
        mail.push(message);
      },
    },
    { store },
  );
  listener = toNodeListener(gh);
  return {
    issuer,
    mail,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gh.close();
    },
  } satisfies SeededServer;
}

/** Signs in on the hosted sign-in page the page is showing (DESIGN §5 labels). */
export async function signInOnPage(
  page: import('playwright-core').Page,
  who: { email: string; password: string },
): Promise<void> {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The dashboard pages reached by address (the disable confirmation is reached by its button). */
export const DASHBOARD_PAGES = [
  ['/admin', 'overview'],
  ['/admin/clients?client=https%3A%2F%2Ftool.example.com%2Foauth%2Fclient.json', 'clients'],
  ['/admin/clients/new', 'client-new'],
  ['/admin/resources', 'resources'],
  ['/admin/users?user=usr_ada000000000000000000', 'users'],
  ['/admin/audit?limit=14', 'audit'],
  ['/admin/keys', 'keys'],
  ['/admin/settings', 'settings'],
] as const;

/** Opens the disable confirmation of a DCR client (a page with a danger button). */
export async function openDisableConfirmation(page: import('playwright-core').Page, issuer: string) {
  await page.goto(`${issuer}/admin/clients?source=dcr&client=dcr_3kq9Zr1cLaUde`);
  await page.getByRole('button', { name: 'Disable…' }).click();
  await page.getByRole('heading', { level: 1, name: 'Disable this client?' }).waitFor();
}
