import type { Command } from 'commander';
import { addEnterpriseIdp, listEnterpriseIdps, removeEnterpriseIdp } from '../operations/enterprise-idps.js';
import { type Open, withGatehouse } from './admin-commands.js';
import { type ConfigChoice, configOption, demoOption } from './config-file.js';

/**
 * `gatehouse enterprise idps list|add|remove`: the trusted enterprise IdPs (ID-JAG issuers) stored in
 * the database, through the same operations as the admin API and the dashboard, audited with the actor
 * `cli`. The configuration file's IdPs are listed and changed only in the file. Output is JSON (lines).
 */

interface AddOptions extends ConfigChoice {
  issuer: string;
  jwksUri?: string;
  jwks?: string;
  subject: string;
  signup?: boolean;
  name?: string;
}

/** The flags as one `enterprise.idps[]` entry; the operation checks it with the configuration's schema. */
function definitionFrom(opts: AddOptions): Record<string, unknown> {
  const definition: Record<string, unknown> = { issuer: opts.issuer, subject: opts.subject };
  if (opts.jwksUri !== undefined) definition.jwks_uri = opts.jwksUri;
  if (opts.jwks !== undefined) {
    try {
      definition.jwks = JSON.parse(opts.jwks) as unknown;
    } catch {
      throw new Error('--jwks is not JSON');
    }
  }
  if (opts.signup) definition.signup = true;
  if (opts.name !== undefined) definition.name = opts.name;
  return definition;
}

export function registerEnterpriseCommands(program: Command, open: Open): void {
  const idps = program
    .command('enterprise')
    .description('enterprise-managed authorization')
    .command('idps')
    .description('manage the trusted enterprise IdPs (ID-JAG issuers) without a restart');
  idps
    .command('list')
    .description('list every trusted IdP (JSON lines): source "config" (read-only) or "database"')
    .addOption(configOption())
    .addOption(demoOption())
    .action(async (opts: ConfigChoice) =>
      withGatehouse(open, opts, async (gh) => {
        for (const idp of await listEnterpriseIdps(gh.context)) console.log(JSON.stringify(idp));
      }),
    );
  idps
    .command('add')
    .description('trust an IdP: its entry as in the configuration file\'s "enterprise.idps"')
    .addOption(configOption())
    .addOption(demoOption())
    .requiredOption('--issuer <url>', "the IdP's issuer (the ID-JAGs' iss)")
    .option('--jwks-uri <url>', "the IdP's key set URL (may be internal)")
    .option('--jwks <json>', 'or its public keys, a JWK Set as JSON')
    .requiredOption('--subject <rule>', '"sub" (linked identity) or "email" (verified e-mail)')
    .option('--signup', 'create users on first use (just in time)', false)
    .option('--name <name>', 'display name')
    .action(async (opts: AddOptions) => {
      const definition = definitionFrom(opts);
      await withGatehouse(open, opts, async (gh) => {
        console.log(JSON.stringify(await addEnterpriseIdp(gh.context, definition, 'cli')));
      });
    });
  idps
    .command('remove <issuer>')
    .description('stop trusting a stored IdP: its ID-JAGs are refused')
    .addOption(configOption())
    .addOption(demoOption())
    .action(async (issuer: string, opts: ConfigChoice) =>
      withGatehouse(open, opts, async (gh) => {
        await removeEnterpriseIdp(gh.context, issuer, 'cli');
        console.log(JSON.stringify({ removed: issuer }));
      }),
    );
}
