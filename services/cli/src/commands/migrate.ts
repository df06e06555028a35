import { Command } from 'commander';
import { withApp } from '../app.ts';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('create the database if needed and run pending migrations')
    .action(async () => {
      // withApp migrates before it builds the context
      await withApp(async () => {
        process.stdout.write('database is at the latest migration\n');
      });
    });
}
