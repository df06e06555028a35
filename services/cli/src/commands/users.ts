// `users create | list | deactivate | reset-password | rotate-token`: the people who sign in to the
// console (password) and the machines that call the API (bearer token). A generated password or
// a token is shown once; only its hash is stored.
import { Command } from 'commander';
import type { UserRole } from '@ew/db';
import {
  createUser,
  deactivateUser,
  generatePassword,
  listUsers,
  resetPassword,
  rotateToken,
  USER_ROLES,
} from '@ew/accounts';
import { cliOperator, withApp } from '../app.ts';
import { table } from '../format.ts';

function parseRole(value: string): UserRole {
  const role = value.toUpperCase().replaceAll('-', '_') as UserRole;
  if (!USER_ROLES.includes(role)) throw new Error(`--role must be one of ${USER_ROLES.join(', ')}`);
  return role;
}

/** The password piped in (`--password-stdin`): everything read, without the final newline. */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('--password-stdin: pipe the password in (echo … | ew users …)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function usersCommand(): Command {
  const users = new Command('users').description(
    'console and API users (passwords and tokens are shown once)',
  );
  users
    .command('create')
    .description(
      'a person who signs in with a password (generated unless --password-stdin), or with --token a machine',
    )
    .argument('<username>')
    .requiredOption('--role <role>', USER_ROLES.join(' | '))
    .option('--name <displayName>', 'display name (default: the username)')
    .option('--town <town>', "the caseworker's town, as the register names it")
    .option('--password-stdin', 'read the password from standard input')
    .option('--token', 'issue a bearer token (for a machine or a script) instead of a password')
    .action(
      async (
        username: string,
        opts: { role: string; name?: string; town?: string; passwordStdin?: boolean; token?: boolean },
      ) => {
        const role = parseRole(opts.role);
        if (opts.token && opts.passwordStdin)
          throw new Error('--token and --password-stdin exclude each other');
        const given = opts.passwordStdin ? await readPasswordFromStdin() : undefined;
        const password = opts.token ? undefined : (given ?? generatePassword());
        await withApp(async ({ ctx }) => {
          const user = await createUser(
            ctx.database.db,
            {
              username,
              displayName: opts.name ?? username,
              role,
              ...(opts.town ? { townName: opts.town } : {}),
              ...(password === undefined ? {} : { password }),
              token: opts.token === true,
            },
            cliOperator(),
          );
          process.stdout.write(`user ${user.username} (${user.role}) created\n`);
          if (user.token !== null) process.stdout.write(`token (shown once):\n${user.token}\n`);
          else if (given === undefined) process.stdout.write(`password (shown once):\n${password}\n`);
        });
      },
    );
  users
    .command('list')
    .option('--role <role>', USER_ROLES.join(' | '))
    .option('--town <town>', 'town name')
    .action(async (opts: { role?: string; town?: string }) => {
      await withApp(async ({ ctx }) => {
        const db = ctx.database.db;
        let townId: number | undefined;
        if (opts.town !== undefined) {
          const town = await db
            .selectFrom('towns')
            .select('id')
            .where('name', '=', opts.town)
            .executeTakeFirst();
          if (town === undefined) throw new Error(`no town "${opts.town}"`);
          townId = town.id;
        }
        const rows = await listUsers(db, {
          ...(opts.role === undefined ? {} : { role: parseRole(opts.role) }),
          ...(townId === undefined ? {} : { townId }),
        });
        process.stdout.write(
          table(
            ['username', 'name', 'role', 'town', 'active', 'sign-in', 'last sign-in'],
            rows.map((u) => [
              u.username,
              u.displayName,
              u.role,
              u.town,
              u.active ? 'yes' : 'no',
              [u.hasPassword ? 'password' : null, u.hasToken ? 'token' : null].filter(Boolean).join('+') ||
                '-',
              u.lastLoginAt?.toISOString() ?? null,
            ]),
          ) + '\n',
        );
      });
    });
  users
    .command('deactivate')
    .description('the user can no longer sign in; their sessions and token stop working at once')
    .argument('<username>')
    .action(async (username: string) => {
      await withApp(async ({ ctx }) => {
        await deactivateUser(ctx.database.db, username, cliOperator());
        process.stdout.write(`user ${username} deactivated\n`);
      });
    });
  users
    .command('reset-password')
    .description('a new password (generated unless --password-stdin); ends the user’s sessions')
    .argument('<username>')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (username: string, opts: { passwordStdin?: boolean }) => {
      const given = opts.passwordStdin ? await readPasswordFromStdin() : undefined;
      await withApp(async ({ ctx }) => {
        const result = await resetPassword(ctx.database.db, username, cliOperator(), given);
        process.stdout.write(
          result.generated
            ? `password of ${username} reset; new password (shown once):\n${result.password}\n`
            : `password of ${username} reset\n`,
        );
      });
    });
  users
    .command('rotate-token')
    .description('a new bearer token; the old one stops working at once')
    .argument('<username>')
    .action(async (username: string) => {
      await withApp(async ({ ctx }) => {
        process.stdout.write(`${await rotateToken(ctx.database.db, username, cliOperator())}\n`);
      });
    });
  return users;
}
