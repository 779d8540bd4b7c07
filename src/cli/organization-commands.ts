import type { Command } from 'commander';
import {
  addMember,
  createOrganization,
  listOrganizations,
  removeMember,
} from '../operations/organizations.js';
import { type Open, withGatehouse } from './admin-commands.js';
import { type ConfigChoice, configOption, demoOption } from './config-file.js';

/**
 * `gatehouse organizations create|list|add-member|remove-member`: organizations and their members,
 * through the same operations as the admin API and the dashboard, audited with the actor `cli`. Output
 * is JSON (lines). Organizations of the configuration file are listed; their members can be managed.
 */

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

type CreateOptions = ConfigChoice & { id: string; name: string; domains?: string; connection?: string };
type MemberOptions = ConfigChoice & { email: string; roles?: string };

export function registerOrganizationCommands(program: Command, open: Open): void {
  const organizations = program
    .command('organizations')
    .description('manage organizations (org_id in tokens), their members and roles');
  organizations
    .command('create')
    .description('create an organization')
    .addOption(configOption())
    .addOption(demoOption())
    .requiredOption('--id <id>', 'its id, the tokens\' org_id (a-z, 0-9, "-", "_")')
    .requiredOption('--name <name>', 'its name, shown on the organization picker')
    .option('--domains <domains>', 'comma-separated e-mail domains (home-realm discovery)')
    .option('--connection <id>', 'the connection people of those domains sign in with')
    .action(async (opts: CreateOptions) =>
      withGatehouse(open, opts, async (gh) => {
        const input = {
          id: opts.id,
          name: opts.name,
          domains: commaList(opts.domains),
          ...(opts.connection ? { connection: opts.connection } : {}),
        };
        console.log(JSON.stringify(await createOrganization(gh.context, input, 'cli')));
      }),
    );
  organizations
    .command('list')
    .description('list organizations (JSON lines)')
    .addOption(configOption())
    .addOption(demoOption())
    .action(async (opts: ConfigChoice) =>
      withGatehouse(open, opts, async (gh) => {
        for (const o of await listOrganizations(gh.context)) console.log(JSON.stringify(o));
      }),
    );
  organizations
    .command('add-member <id>')
    .description("add the user with this e-mail to organization <id>, or replace the member's roles")
    .addOption(configOption())
    .addOption(demoOption())
    .requiredOption('--email <email>', "the user's e-mail")
    .option('--roles <roles>', 'comma-separated role names', '')
    .action(async (id: string, opts: MemberOptions) =>
      withGatehouse(open, opts, async (gh) => {
        const member = await addMember(
          gh.context,
          id,
          { email: opts.email, roles: commaList(opts.roles) },
          'cli',
        );
        console.log(JSON.stringify(member));
      }),
    );
  organizations
    .command('remove-member <id>')
    .description('remove the user with this e-mail from organization <id>')
    .addOption(configOption())
    .addOption(demoOption())
    .requiredOption('--email <email>', "the user's e-mail")
    .action(async (id: string, opts: MemberOptions) =>
      withGatehouse(open, opts, async (gh) => {
        await removeMember(gh.context, id, opts.email, 'cli');
        console.log(JSON.stringify({ removed: opts.email, organization: id }));
      }),
    );
}
