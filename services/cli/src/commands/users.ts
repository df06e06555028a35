// `users create | rotate-token | deactivate`: the people who use the API and the console.
import { Command } from 'commander';
import type { UserRole } from '@ew/db';
import { createUser, deactivateUser, rotateToken } from '@ew/accounts';
import { withApp } from '../app.ts';

const ROLES: readonly UserRole[] = ['ADMIN', 'DATA_ADMIN', 'SUPERVISOR', 'CASEWORKER', 'OPS'];

function actor(): string {
  return `cli:${process.env.USER ?? 'unknown'}`;
}

export function usersCommand(): Command {
  const users = new Command('users').description('API and console users (tokens are shown once)');
  users
    .command('create')
    .argument('<username>')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--name <displayName>', 'display name (default: the username)')
    .option('--town <town>', "the caseworker's town, as the register names it")
    .action(async (username: string, opts: { role: string; name?: string; town?: string }) => {
      const role = opts.role.toUpperCase() as UserRole;
      if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
      await withApp(async ({ ctx }) => {
        const user = await createUser(ctx.database.db, {
          username,
          displayName: opts.name ?? username,
          role,
          ...(opts.town ? { townName: opts.town } : {}),
          actor: actor(),
        });
        process.stdout.write(
          `user ${user.username} (${user.role}) created; token (shown once):\n${user.token}\n`,
        );
      });
    });
  users
    .command('rotate-token')
    .argument('<username>')
    .action(async (username: string) => {
      await withApp(async ({ ctx }) => {
        process.stdout.write(`${await rotateToken(ctx.database.db, username, actor())}\n`);
      });
    });
  users
    .command('deactivate')
    .argument('<username>')
    .action(async (username: string) => {
      await withApp(async ({ ctx }) => {
        await deactivateUser(ctx.database.db, username, actor());
        process.stdout.write(`user ${username} deactivated\n`);
      });
    });
  return users;
}
