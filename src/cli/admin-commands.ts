import type { Command } from 'commander';
import type { Gatehouse } from '../gatehouse.js';
import { auditEventsSince, auditFilter, listAuditPage } from '../operations/audit.js';
import { rotateKeys } from '../operations/keys.js';
import {
  createUserAsAdmin,
  disableUser,
  enableUser,
  findUserByEmail,
  listUsersPage,
  revokeUserSessions,
  sendUserPasswordReset,
  userGrants,
} from '../operations/users.js';
import { type ConfigChoice, configOption, demoOption } from './config-file.js';

/**
 * `gatehouse users create|revoke-sessions|list|disable|enable|reset-password|grants`, `keys rotate` and
 * `audit tail`: the same operations as the admin API and the dashboard (src/operations/), audited
 * there with the actor `cli`. Output is JSON (lines).
 */
export type Open = (choice: ConfigChoice) => Promise<Gatehouse>;

/** Opens Gatehouse with the command's configuration, runs, and closes it whatever happens. */
export async function withGatehouse(
  open: Open,
  choice: ConfigChoice,
  run: (gh: Gatehouse) => Promise<void>,
): Promise<void> {
  const gh = await open(choice);
  try {
    await run(gh);
  } finally {
    await gh.close();
  }
}

function registerUserCreate(users: Command, open: Open): void {
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
      async (
        opts: ConfigChoice & { email: string; password: string; admin: boolean; emailVerified: boolean },
      ) =>
        withGatehouse(open, opts, async (gh) => {
          const user = await createUserAsAdmin(gh.context, opts, 'cli');
          const { id, email, admin, emailVerified } = user;
          console.log(JSON.stringify({ id, email, admin, email_verified: emailVerified }));
        }),
    );
}

export function registerUserCommands(users: Command, open: Open): void {
  registerUserCreate(users, open);
  users
    .command('list')
    .description('list users (JSON lines), optionally matching an e-mail substring')
    .addOption(configOption())
    .addOption(demoOption())
    .option('--search <text>', 'match part of the e-mail')
    .action(async (opts: { config: string; search?: string }) =>
      withGatehouse(open, opts, async (gh) => {
        let after: string | undefined;
        for (;;) {
          const page = await listUsersPage(gh.context, {
            ...(opts.search ? { text: opts.search } : {}),
            ...(after ? { after } : {}),
            limit: 500,
          });
          for (const user of page.users) console.log(JSON.stringify(user));
          if (!page.next) return;
          after = page.next;
        }
      }),
    );

  const byEmail = (
    name: string,
    description: string,
    run: (gh: Gatehouse, email: string) => Promise<unknown>,
  ) =>
    users
      .command(name)
      .description(description)
      .addOption(configOption())
      .addOption(demoOption())
      .requiredOption('--email <email>', 'e-mail address')
      .action(async (opts: { config: string; email: string }) =>
        withGatehouse(open, opts, async (gh) => {
          console.log(JSON.stringify(await run(gh, opts.email)));
        }),
      );

  byEmail(
    'revoke-sessions',
    'sign a user out everywhere: end their browser sessions and revoke every grant',
    async (gh, email) => revokeUserSessions(gh.context, (await findUserByEmail(gh.context, email)).id, 'cli'),
  );
  byEmail('disable', 'disable a user: no sign-in; sessions and grants revoked', async (gh, email) =>
    disableUser(gh.context, (await findUserByEmail(gh.context, email)).id, 'cli'),
  );
  byEmail('enable', 'enable a disabled user', async (gh, email) => {
    await enableUser(gh.context, (await findUserByEmail(gh.context, email)).id, 'cli');
    return { enabled: email };
  });
  byEmail('reset-password', 'send a password-reset link through the configured mailer', async (gh, email) => {
    await sendUserPasswordReset(gh.context, (await findUserByEmail(gh.context, email)).id, 'cli');
    return { sent: true };
  });
  byEmail('grants', "list a user's active grants", async (gh, email) =>
    userGrants(gh.context, (await findUserByEmail(gh.context, email)).id),
  );
}

export function registerKeyCommands(program: Command, open: Open): void {
  const keys = program.command('keys').description('manage signing keys');
  keys
    .command('rotate')
    .description(
      'promote the pre-published next key (it signs once every instance and JWKS cache has seen it: now, or ' +
        'at a stored time every instance honours), retire the active one after its tokens expire',
    )
    .addOption(configOption())
    .addOption(demoOption())
    .option(
      '--force',
      'emergency (e.g. a compromised key): the next key signs at once even if other instances or JWKS caches ' +
        'may not know it yet; the cost is printed and the rotation is audited as forced',
      false,
    )
    .option('--reason <text>', 'why (recorded in the audit event)')
    .action(async (opts: ConfigChoice & { force: boolean; reason?: string }) =>
      withGatehouse(open, opts, async (gh) => {
        const result = await rotateKeys(gh.context, 'cli', {
          force: opts.force,
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        });
        // Standard output stays the key list it always was; what happened and why goes to standard error.
        console.error(result.message);
        const keys = result.keys.map(({ kid, alg, state, activateAt }) => ({
          kid,
          alg,
          state,
          activateAt: activateAt === null ? null : new Date(activateAt).toISOString(),
        }));
        console.log(JSON.stringify(keys, null, 2));
      }),
    );
}

export function registerAuditCommands(program: Command, open: Open): void {
  const audit = program.command('audit').description('read the audit log');
  audit
    .command('tail')
    .description('print the latest audit events (JSON lines, oldest first); --follow keeps printing new ones')
    .addOption(configOption())
    .addOption(demoOption())
    .option('-n, --lines <n>', 'how many recent events', (v) => Number.parseInt(v, 10), 20)
    .option('--type <type>', 'only this event type')
    .option('--client <client_id>', 'only events of this client')
    .option('--user <user_id>', 'only events of this user')
    .option('-f, --follow', 'keep polling for new events', false)
    .action(
      async (opts: {
        config: string;
        lines: number;
        type?: string;
        client?: string;
        user?: string;
        follow: boolean;
      }) =>
        withGatehouse(open, opts, async (gh) => {
          const query = auditFilter({ type: opts.type, clientId: opts.client, userId: opts.user });
          const recent = (await listAuditPage(gh.context, { ...query, limit: opts.lines })).events;
          let last = recent[0]?.id ?? 0;
          for (const e of recent.reverse()) console.log(JSON.stringify(e));
          while (opts.follow) {
            await new Promise((resolve) => setTimeout(resolve, 2000));
            const fresh = await auditEventsSince(gh.context, query, last);
            for (const e of fresh) console.log(JSON.stringify(e));
            last = Math.max(last, ...fresh.map((e) => e.id));
          }
        }),
    );
}
