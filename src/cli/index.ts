import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError } from '../config/resolve.js';
import { createGatehouse, type Gatehouse } from '../gatehouse.js';
import { createPreregisteredClient, listClientsPage } from '../operations/clients.js';
import { rotateKeys } from '../operations/keys.js';
import { deleteClient, disableClient, enableClient, revokeClientSessions } from '../operations/lifecycle.js';
import { createUserAsAdmin, findUserByEmail, revokeUserSessions } from '../operations/users.js';
import { createDatabaseIfMissing } from '../store/create-database.js';
import { describePostgresUrl } from '../store/open-errors.js';
import { registerAuditCommands, registerUserCommands } from './admin-commands.js';
import { type ConfigChoice, configOption, demoOption, loadConfig } from './config-file.js';
import { initConfig, initInstructions } from './init.js';
import { serve } from './serve.js';

/**
 * The `gatehouse` command. Contract (DESIGN §5): --version, init, serve, demo, migrate, users create, clients create,
 * keys rotate (plus users list/disable/enable/reset-password/grants and audit tail); `--help` on each; every command that touches data takes `--config FILE`
 * (default ./gatehouse.json).
 */

/** The version in package.json (found from src/cli or dist/src/cli). */
function readVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'gatehouse' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

async function open(choice: ConfigChoice, options: { migrate?: boolean } = {}): Promise<Gatehouse> {
  const config = await loadConfig(choice);
  return createGatehouse({ ...config, logger: false, migrate: options.migrate ?? true });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const CREATE_DATABASE_HELP =
  'create the PostgreSQL database first if it does not exist (SQLite needs nothing)';

/** `--create-database`: before anything opens the database (in the primary only, with --workers). */
async function createDatabase(options: { database?: string }): Promise<void> {
  if (!options.database || cluster.isWorker) return;
  if (await createDatabaseIfMissing(options.database))
    console.error(`Created the PostgreSQL database ${describePostgresUrl(options.database)}.`);
}

export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('An OAuth 2.1 authorization server for MCP servers and the apps you own')
    .version(readVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();

  program
    .command('init')
    .description('write ./gatehouse.json: a development configuration with a fresh secret (mode 0600)')
    .option('--force', 'overwrite an existing ./gatehouse.json', false)
    .option('--issuer <url>', 'issuer URL (default: http://127.0.0.1:<port>)')
    .option('--port <port>', 'listening port (default: 4000)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { force: boolean; issuer?: string; port?: number }) => {
      if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port > 0 && opts.port < 65536))
        throw new Error('--port must be a port number');
      const file = await initConfig(opts);
      for (const line of initInstructions(file, opts)) console.log(line);
    });

  program
    .command('serve')
    .description('run the authorization server')
    .addOption(configOption())
    .addOption(demoOption())
    .option('-w, --workers <n>', 'worker processes (node:cluster)', (v) => Number.parseInt(v, 10), 1)
    .option('--create-database', CREATE_DATABASE_HELP, false)
    .action(async (opts: ConfigChoice & { workers: number; createDatabase: boolean }) => {
      const options = await loadConfig(opts);
      if (opts.createDatabase) await createDatabase(options);
      await serve(options, opts.workers);
    });

  program
    .command('demo')
    .description('run Gatehouse and the sample Todo MCP server on loopback, with SQLite under .gatehouse/')
    .option('--port <port>', 'Gatehouse port', (v) => Number.parseInt(v, 10), 4000)
    .action(async (opts: { port: number }) => {
      // Loaded on demand: the demo brings the MCP SDK, which `serve` has no use for.
      const { runDemo } = await import('./demo.js');
      await runDemo(opts);
    });

  program
    .command('migrate')
    .description('apply database migrations')
    .addOption(configOption())
    .addOption(demoOption())
    .option('--create-database', CREATE_DATABASE_HELP, false)
    .action(async (opts: ConfigChoice & { createDatabase: boolean }) => {
      if (opts.createDatabase) await createDatabase(await loadConfig(opts));
      const gh = await open(opts);
      await gh.close();
      console.log('Migrations applied.');
    });

  const users = program.command('users').description('manage users');
  users
    .command('create')
    .description('create a user')
    .addOption(configOption())
    .addOption(demoOption())
    .requiredOption('--email <email>', 'e-mail address')
    .requiredOption('--password <password>', 'password (at least 8 characters)')
    .option('--admin', 'make the user an administrator', false)
    .option(
      '--email-verified',
      'vouch that the person controls the address (ID tokens: email_verified)',
      false,
    )
    .action(
      async (opts: {
        config: string;
        demo?: boolean;
        email: string;
        password: string;
        admin: boolean;
        emailVerified: boolean;
      }) => {
        const gh = await open(opts);
        try {
          const user = await createUserAsAdmin(gh.context, opts, 'cli');
          console.log(
            JSON.stringify({
              id: user.id,
              email: user.email,
              admin: user.admin,
              email_verified: user.emailVerified,
            }),
          );
        } finally {
          await gh.close();
        }
      },
    );

  users
    .command('revoke-sessions')
    .description('sign a user out everywhere: end their browser sessions and revoke every grant')
    .addOption(configOption())
    .addOption(demoOption())
    .requiredOption('--email <email>', 'e-mail address')
    .action(async (opts: ConfigChoice & { email: string }) => {
      const gh = await open(opts);
      try {
        const user = await findUserByEmail(gh.context, opts.email);
        console.log(JSON.stringify(await revokeUserSessions(gh.context, user.id, 'cli')));
      } finally {
        await gh.close();
      }
    });

  registerUserCommands(users, (choice) => open(choice));

  const clients = program.command('clients').description('manage clients');
  clients
    .command('create')
    .description('register a preregistered client; a confidential client secret is printed once')
    .addOption(configOption())
    .addOption(demoOption())
    .option('--client-id <id>', 'client_id (generated when omitted)')
    .option('--name <name>', 'client_name shown on the consent page')
    .option('--redirect-uri <uri>', 'redirect URI (repeatable)', collect)
    .option('--post-logout-redirect-uri <uri>', 'post-logout redirect URI (repeatable)', collect)
    .option('--confidential', 'generate a client secret (client_secret_basic)', false)
    .addOption(
      new Option('--auth-method <method>', 'token endpoint auth method').choices([
        'none',
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ]),
    )
    .option('--jwks-uri <url>', 'private_key_jwt: where the client publishes its public keys (public https)')
    .option('--grant-type <type>', 'grant type (repeatable)', collect)
    .addOption(new Option('--application-type <type>').choices(['web', 'native']))
    .option('--scope <scope>', 'space-separated scopes the client may request')
    .option('--first-party', 'trusted first-party app: skips consent', false)
    .action(async (opts: Record<string, unknown>) => {
      const gh = await open(opts as unknown as ConfigChoice);
      try {
        const input: Parameters<typeof createPreregisteredClient>[1] = {
          confidential: Boolean(opts.confidential),
        };
        if (opts.clientId) input.client_id = String(opts.clientId);
        if (opts.name) input.client_name = String(opts.name);
        if (opts.redirectUri) input.redirect_uris = opts.redirectUri as string[];
        if (opts.postLogoutRedirectUri)
          input.post_logout_redirect_uris = opts.postLogoutRedirectUri as string[];
        if (opts.authMethod) input.token_endpoint_auth_method = opts.authMethod as never;
        if (opts.jwksUri) {
          // RFC 7523 §2.2: a key instead of a secret.
          input.token_endpoint_auth_method = 'private_key_jwt';
          input.jwks_uri = String(opts.jwksUri);
          input.confidential = false;
        }
        if (opts.grantType) input.grant_types = opts.grantType as never;
        if (opts.applicationType) input.application_type = opts.applicationType as never;
        if (opts.scope) input.scope = String(opts.scope);
        if (opts.firstParty) input.first_party = true;
        const { client, client_secret } = await createPreregisteredClient(gh.context, input, 'cli');
        const out: Record<string, unknown> = {
          client_id: client.client_id,
          token_endpoint_auth_method: client.token_endpoint_auth_method,
          grant_types: client.grant_types,
          redirect_uris: client.redirect_uris,
        };
        if (client_secret) out.client_secret = client_secret;
        console.log(JSON.stringify(out, null, 2));
        if (client_secret) console.error('Store the client_secret now: it is not shown again.');
      } finally {
        await gh.close();
      }
    });

  const lifecycle = (
    name: string,
    description: string,
    run: (gh: Gatehouse, clientId: string, opts: Record<string, string>) => Promise<unknown>,
    extra?: (command: Command) => Command,
  ) => {
    let command = clients
      .command(`${name} <client_id>`)
      .description(description)
      .addOption(configOption())
      .addOption(demoOption());
    if (extra) command = extra(command);
    command.action(async (clientId: string, opts: Record<string, string>) => {
      const gh = await open(opts as unknown as ConfigChoice);
      try {
        console.log(JSON.stringify(await run(gh, clientId, opts)));
      } finally {
        await gh.close();
      }
    });
  };
  lifecycle(
    'disable',
    'disable a client: its grants are revoked and /authorize and /token refuse it',
    async (gh, id, opts) => ({
      grants_revoked: (await disableClient(gh.context, id, opts.reason, 'cli')).grantsRevoked,
    }),
    (c) => c.requiredOption('--reason <text>', 'why (shown in the audit log and the dashboard)'),
  );
  lifecycle('enable', 'enable a disabled client', async (gh, id) => {
    await enableClient(gh.context, id, 'cli');
    return { enabled: id };
  });
  lifecycle('revoke', "revoke every user's grants for a client and forget their consent", async (gh, id) => ({
    grants_revoked: await revokeClientSessions(gh.context, id, 'cli'),
  }));
  lifecycle('delete', 'delete a client and everything that depends on it', async (gh, id) => {
    await deleteClient(gh.context, id, 'cli');
    return { deleted: id };
  });
  clients
    .command('list')
    .description('list clients (JSON lines)')
    .addOption(configOption())
    .addOption(demoOption())
    .addOption(new Option('--source <lane>').choices(['preregistered', 'cimd', 'dcr']))
    .addOption(new Option('--status <status>').choices(['active', 'disabled']))
    .option('--search <text>', 'match client_id or client_name')
    .action(async (opts: ConfigChoice & { source?: string; status?: string; search?: string }) => {
      const gh = await open(opts);
      try {
        let after: string | undefined;
        for (;;) {
          const page = await listClientsPage(gh.context, {
            ...(opts.source ? { source: opts.source as never } : {}),
            ...(opts.status ? { status: opts.status as never } : {}),
            ...(opts.search ? { text: opts.search } : {}),
            ...(after ? { after } : {}),
            limit: 500,
          });
          for (const client of page.clients) console.log(JSON.stringify(client));
          if (!page.next) break;
          after = page.next;
        }
      } finally {
        await gh.close();
      }
    });

  const keys = program.command('keys').description('manage signing keys');
  keys
    .command('rotate')
    .description('promote the pre-published next key, retire the active one after its tokens expire')
    .addOption(configOption())
    .addOption(demoOption())
    .action(async (opts: ConfigChoice) => {
      const gh = await open(opts);
      try {
        const after = await rotateKeys(gh.context, 'cli');
        console.log(
          JSON.stringify(
            after.map((k) => ({ kid: k.kid, alg: k.alg, state: k.state })),
            null,
            2,
          ),
        );
      } finally {
        await gh.close();
      }
    });

  registerAuditCommands(program, (choice) => open(choice));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    console.error(`gatehouse: ${message}`);
    process.exit(1);
  }
}
