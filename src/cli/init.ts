import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The file `gatehouse init` writes and every command reads when `--config` is omitted (DESIGN §5). */
export const DEFAULT_CONFIG = './gatehouse.json';

export interface InitOptions {
  force: boolean;
  issuer?: string;
  port?: number;
}

/** A working development configuration in the DESIGN §4 JSON shape, with a fresh random secret. */
export function buildInitialConfig(options: InitOptions): Record<string, unknown> {
  const port = options.port ?? (options.issuer ? portOf(options.issuer) : undefined) ?? 4000;
  return {
    issuer: options.issuer ?? `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    // Not the demo's .gatehouse/gatehouse.db: that file is sealed with the demo's own secret.
    database: 'sqlite:.gatehouse/server.db',
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

/** Writes ./gatehouse.json (mode 0600: it holds the secret); never overwrites without --force. */
export async function initConfig(options: InitOptions, cwd = process.cwd()): Promise<string> {
  const file = resolve(cwd, DEFAULT_CONFIG);
  const text = `${JSON.stringify(buildInitialConfig(options), null, 2)}\n`;
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
