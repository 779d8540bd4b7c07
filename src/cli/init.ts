import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The file `gatehouse init` writes and every command reads when `--config` is omitted (DESIGN §5). */
export const DEFAULT_CONFIG = './gatehouse.json';

/** Not the demo's .gatehouse/gatehouse.db: that file is sealed with the demo's own secret. */
export const INIT_DATABASE = 'sqlite:.gatehouse/server.db';

export interface InitOptions {
  force: boolean;
  issuer?: string;
  port?: number;
}

/** A working development configuration in the DESIGN §4 JSON shape, with a fresh random secret. */
export function buildInitialConfig(options: InitOptions): Record<string, unknown> {
  const { issuer, port } = initAddress(options);
  return {
    issuer,
    host: '127.0.0.1',
    port,
    database: INIT_DATABASE,
    secret: randomBytes(32).toString('base64url'),
    signup: true,
    resources: [
      { resource: 'http://127.0.0.1:4100/mcp', name: 'Todo MCP', scopes: ['todos.read', 'todos.write'] },
    ],
    clients: [
      {
        client_id: 'todo-cli',
        client_name: 'Todo CLI',
        first_party: true,
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
      },
    ],
    cimd: { enabled: true, trustedHosts: [], allowLoopback: false },
    dcr: { enabled: false, maxRegistrationsPerWindow: 25 },
  };
}

/** What each top-level key is for, written above it (the CLI reads .json files with comments). */
const COMMENTS: Record<string, string[]> = {
  issuer: [
    'The URL clients reach Gatehouse at, exactly (tokens carry it). In production: an https URL;',
    'http is accepted on loopback only. GATEHOUSE_ISSUER overrides it.',
  ],
  host: ['Where to listen. 127.0.0.1 keeps the server on this machine; 0.0.0.0 behind a proxy.'],
  port: ['The listening port (PORT overrides it).'],
  database: [
    "This server's own SQLite file: never the demo's .gatehouse/gatehouse.db, which is sealed with",
    'the demo\'s secret. For PostgreSQL: "postgres://user:password@host:5432/gatehouse"',
    '(`serve --create-database` creates the database). GATEHOUSE_DATABASE_URL overrides it.',
  ],
  secret: [
    'Generated for this file. It seals the signing keys in the database: keep it secret (this file',
    'is mode 0600; keep it out of version control), and keep it: the database cannot be read with',
    'another one. GATEHOUSE_SECRET overrides it.',
  ],
  signup: ['Whether people may create their own account at {issuer}/signup.'],
  resources: [
    'The protected resources (your MCP servers): the URL clients call, as it appears in their',
    "requests, and the scopes a token may carry. This one is the demo's Todo MCP server.",
  ],
  clients: [
    'Preregistered clients. todo-cli is a public client (PKCE, no secret) that skips consent',
    '(first_party); a loopback redirect URI matches on any port (RFC 8252 §7.3).',
    'Add more with `gatehouse clients create`, or in the dashboard at {issuer}/admin.',
  ],
  cimd: ['Clients may present an https client ID metadata document URL as their client_id (CIMD).'],
  dcr: [
    'Dynamic client registration (RFC 7591): off. Turn it on ("enabled": true) for clients that',
    'register themselves, such as Cursor and VS Code.',
  ],
};

/** The configuration as JSON with a comment above each top-level key. */
export function renderInitialConfig(config: Record<string, unknown>): string {
  const issuer = String(config.issuer);
  const entries = Object.entries(config).map(([key, value], i, all) => {
    const comment = (COMMENTS[key] ?? []).map((line) => `  // ${line.replaceAll('{issuer}', issuer)}\n`);
    const body = JSON.stringify(value, null, 2).replaceAll('\n', '\n  ');
    return `${comment.join('')}  ${JSON.stringify(key)}: ${body}${i < all.length - 1 ? ',' : ''}\n`;
  });
  return [
    '// Gatehouse configuration, written by `gatehouse init`. Every option: docs/configuration.md.\n',
    '// Start the server with `gatehouse serve` in this directory (or `gatehouse serve --config FILE`).\n',
    '{\n',
    ...entries,
    '}\n',
  ].join('');
}

/** Writes ./gatehouse.json (mode 0600: it holds the secret); never overwrites without --force. */
export async function initConfig(options: InitOptions, cwd = process.cwd()): Promise<string> {
  const file = resolve(cwd, DEFAULT_CONFIG);
  const text = renderInitialConfig(buildInitialConfig(options));
  try {
    await writeFile(file, text, { mode: 0o600, flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new Error(`${file} already exists; pass --force to overwrite it`);
    throw error;
  }
  await chmod(file, 0o600); // --force over an existing file keeps its old mode otherwise
  return file;
}

/** What to do next, printed after the file is written. */
export function initInstructions(file: string, options: InitOptions): string[] {
  const gatehouse = 'node bin/gatehouse.js';
  return [
    `Wrote ${file} (mode 0600; it holds the secret; database ${INIT_DATABASE}).`,
    'Next (where Gatehouse is an installed package, `npx gatehouse` instead of `node bin/gatehouse.js`):',
    `  1. Create an administrator:  ${gatehouse} users create --email you@example.com --password '<8+ characters>' --admin`,
    `  2. Start the server:         ${gatehouse} serve`,
    `  3. Open the dashboard:       ${initAddress(options).issuer}/admin`,
    'Then point `resources` at your own MCP server and adjust `clients`: the comments in the file say what each option does.',
  ];
}

/** The issuer and port `init` writes: --issuer and --port, each defaulting from the other. */
export function initAddress(options: InitOptions): { issuer: string; port: number } {
  const port = options.port ?? (options.issuer ? portOf(options.issuer) : undefined) ?? 4000;
  return { issuer: options.issuer ?? `http://127.0.0.1:${port}`, port };
}

/** The issuer's explicit port, if any (behind a proxy the listening port differs: pass --port). */
function portOf(issuer: string): number | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`--issuer must be a URL (got ${issuer})`);
  }
  return url.port ? Number(url.port) : undefined;
}
