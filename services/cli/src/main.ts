#!/usr/bin/env node
// The data administrator's and operator's command line.
import { Command } from 'commander';
import { migrateCommand } from './commands/migrate.ts';
import { registerCommand } from './commands/register.ts';
import { importCommand, importPurgeCommand, importReportCommand } from './commands/import.ts';
import { demoCommand } from './commands/demo.ts';
import { reviewsCommand } from './commands/reviews.ts';
import { rulesCommand } from './commands/rules.ts';
import { usersCommand } from './commands/users.ts';

const program = new Command('ew')
  .description('social-assistance early warning: load register and feeds, match, raise alerts')
  .showHelpAfterError();

program.addCommand(migrateCommand());
program.addCommand(registerCommand());
program.addCommand(importCommand());
program.addCommand(
  new Command('imports')
    .description('imports and their reports')
    .addCommand(importReportCommand())
    .addCommand(importPurgeCommand()),
);
program.addCommand(reviewsCommand());
program.addCommand(rulesCommand());
program.addCommand(usersCommand());
program.addCommand(demoCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
