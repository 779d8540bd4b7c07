import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError } from '../config/resolve.js';
import { createGatehouse, type Gatehouse } from '../gatehouse.js';
import { createDatabaseIfMissing } from '../operations/database.js';
import { registerAuditCommands, registerKeyCommands, registerUserCommands } from './admin-commands.js';
import { registerClientCommands } from './client-commands.js';
import { type ConfigChoice, configOption, demoOption, loadConfig } from './config-file.js';
import { registerConnectionCommands } from './connection-commands.js';
import { registerEnterpriseCommands } from './enterprise-commands.js';
import { initConfig, initInstructions } from './init.js';
import { registerOrganizationCommands } from './organization-commands.js';
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

const CREATE_DATABASE_HELP =
  'create the PostgreSQL database first if it does not exist (SQLite needs nothing)';

/** `--create-database`: before anything opens the database (in the primary only, with --workers). */
async function createDatabase(options: { database?: string }): Promise<void> {
  if (!options.database || cluster.isWorker) return;
  const created = await createDatabaseIfMissing(options.database);
  if (created) console.error(`Created the PostgreSQL database ${created}.`);
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

  const openAdmin = (choice: ConfigChoice) => open(choice);
  registerUserCommands(program.command('users').description('manage users'), openAdmin);
  registerClientCommands(program, openAdmin);
  registerKeyCommands(program, openAdmin);
  registerAuditCommands(program, openAdmin);
  registerEnterpriseCommands(program, openAdmin);
  registerOrganizationCommands(program, openAdmin);
  registerConnectionCommands(program, openAdmin);

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
