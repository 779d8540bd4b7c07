import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Gatehouse } from '../gatehouse.js';
import {
  createConnection,
  deleteConnection,
  listConnections,
  setConnectionEnabled,
} from '../operations/connections.js';
import { type Open, withGatehouse } from './admin-commands.js';
import { type ConfigChoice, configOption, demoOption } from './config-file.js';

/**
 * `gatehouse connections list|add|remove|enable|disable`: the upstream connections stored in the
 * database (the configuration file's are listed, and changed only in the file), through the same
 * operations as the admin API and the dashboard, audited with the actor `cli`. The definition to add is
 * read from a JSON file (or standard input): a secret never goes on a command line, where the process
 * list and the shell history would keep it. Output is JSON (lines); no secret is ever printed.
 */

async function readDefinition(file: string): Promise<unknown> {
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${file === '-' ? 'standard input' : file} is not JSON`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function byId(
  connections: Command,
  open: Open,
  name: string,
  description: string,
  run: (gh: Gatehouse, id: string) => Promise<unknown>,
): void {
  connections
    .command(`${name} <id>`)
    .description(description)
    .addOption(configOption())
    .addOption(demoOption())
    .action(async (id: string, opts: ConfigChoice) =>
      withGatehouse(open, opts, async (gh) => {
        console.log(JSON.stringify(await run(gh, id)));
      }),
    );
}

export function registerConnectionCommands(program: Command, open: Open): void {
  const connections = program
    .command('connections')
    .description('manage upstream sign-in connections (OpenID Connect, SAML) without a restart');
  connections
    .command('list')
    .description('list every connection (JSON lines): source "config" (read-only) or "database"')
    .addOption(configOption())
    .addOption(demoOption())
    .action(async (opts: ConfigChoice) =>
      withGatehouse(open, opts, async (gh) => {
        for (const c of await listConnections(gh.context)) console.log(JSON.stringify(c));
      }),
    );
  connections
    .command('add')
    .description('store a connection: its definition as in the configuration file\'s "connections"')
    .addOption(configOption())
    .addOption(demoOption())
    .requiredOption('--file <file>', 'the definition as JSON ("-" for standard input)')
    .action(async (opts: ConfigChoice & { file: string }) => {
      const definition = await readDefinition(opts.file);
      await withGatehouse(open, opts, async (gh) => {
        console.log(JSON.stringify(await createConnection(gh.context, definition, 'cli')));
      });
    });
  byId(connections, open, 'remove', 'delete a stored connection', async (gh, id) => {
    await deleteConnection(gh.context, id, 'cli');
    return { deleted: id };
  });
  byId(connections, open, 'enable', 'enable a stored connection', (gh, id) =>
    setConnectionEnabled(gh.context, id, true, 'cli'),
  );
  byId(
    connections,
    open,
    'disable',
    'disable a stored connection: no button, its sign-ins refused',
    (gh, id) => setConnectionEnabled(gh.context, id, false, 'cli'),
  );
}
