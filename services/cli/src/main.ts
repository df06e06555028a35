#!/usr/bin/env node
// The data administrator's and operator's command line.
import { Command } from 'commander';
import { migrateCommand } from './commands/migrate.ts';
import { registerCommand } from './commands/register.ts';
import {
  importCommand,
  importPurgeCommand,
  importReportCommand,
  importsListCommand,
} from './commands/import.ts';
import { demoCommand } from './commands/demo.ts';
import { reviewsCommand } from './commands/reviews.ts';
import { rulesCommand } from './commands/rules.ts';
import { usersCommand } from './commands/users.ts';
import { tasksCommand } from './commands/tasks.ts';
import { setOperatorName } from './app.ts';
import { reportCommand } from './commands/report.ts';

const program = new Command('ew')
  .description('social-assistance early warning: load register and feeds, match, raise alerts')
  .option('--operator <name>', 'who runs this, for the audit log (default: the OS user)')
  .showHelpAfterError()
  .hook('preAction', (root) => setOperatorName(root.opts<{ operator?: string }>().operator));

program.addCommand(migrateCommand());
program.addCommand(registerCommand());
program.addCommand(importCommand());
program.addCommand(
  new Command('imports')
    .description('imports and their reports')
    .addCommand(importsListCommand())
    .addCommand(importReportCommand())
    .addCommand(importPurgeCommand()),
);
program.addCommand(reviewsCommand());
program.addCommand(rulesCommand());
program.addCommand(usersCommand());
program.addCommand(tasksCommand());
program.addCommand(reportCommand());
program.addCommand(demoCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
