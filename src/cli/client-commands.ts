import { type Command, Option } from 'commander';
import type { Gatehouse } from '../gatehouse.js';
import { createPreregisteredClient, listClientsPage, type NewClientInput } from '../operations/clients.js';
import { deleteClient, disableClient, enableClient, revokeClientSessions } from '../operations/lifecycle.js';
import { type Open, withGatehouse } from './admin-commands.js';
import { type ConfigChoice, configOption, demoOption } from './config-file.js';

/**
 * `gatehouse clients create|disable|enable|revoke|delete|list`: the operations of src/operations/,
 * audited there with the actor `cli`.
 */

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The operation's input from `clients create`'s options. */
function newClientInput(opts: Record<string, unknown>): NewClientInput {
  const input: NewClientInput = { confidential: Boolean(opts.confidential) };
  if (opts.clientId) input.client_id = String(opts.clientId);
  if (opts.name) input.client_name = String(opts.name);
  if (opts.redirectUri) input.redirect_uris = opts.redirectUri as string[];
  if (opts.postLogoutRedirectUri) input.post_logout_redirect_uris = opts.postLogoutRedirectUri as string[];
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
  return input;
}

function registerClientCreate(clients: Command, open: Open): void {
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
    .action(async (opts: Record<string, unknown>) =>
      withGatehouse(open, opts as unknown as ConfigChoice, async (gh) => {
        const { client, client_secret } = await createPreregisteredClient(
          gh.context,
          newClientInput(opts),
          'cli',
        );
        const { client_id, token_endpoint_auth_method, grant_types, redirect_uris } = client;
        const out = { client_id, token_endpoint_auth_method, grant_types, redirect_uris };
        console.log(JSON.stringify(client_secret ? { ...out, client_secret } : out, null, 2));
        if (client_secret) console.error('Store the client_secret now: it is not shown again.');
      }),
    );
}

function registerClientLifecycle(clients: Command, open: Open): void {
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
    command.action(async (clientId: string, opts: Record<string, string>) =>
      withGatehouse(open, opts as unknown as ConfigChoice, async (gh) => {
        console.log(JSON.stringify(await run(gh, clientId, opts)));
      }),
    );
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
}

function registerClientList(clients: Command, open: Open): void {
  clients
    .command('list')
    .description('list clients (JSON lines)')
    .addOption(configOption())
    .addOption(demoOption())
    .addOption(new Option('--source <lane>').choices(['preregistered', 'cimd', 'dcr']))
    .addOption(new Option('--status <status>').choices(['active', 'disabled']))
    .option('--search <text>', 'match client_id or client_name')
    .action(async (opts: ConfigChoice & { source?: string; status?: string; search?: string }) =>
      withGatehouse(open, opts, async (gh) => {
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
          if (!page.next) return;
          after = page.next;
        }
      }),
    );
}

export function registerClientCommands(program: Command, open: Open): void {
  const clients = program.command('clients').description('manage clients');
  registerClientCreate(clients, open);
  registerClientLifecycle(clients, open);
  registerClientList(clients, open);
}
