// Paths on the command line are the caller's: `pnpm cli …` runs with the repository root as its
// working directory, and pnpm keeps the directory the command was typed in as INIT_CWD.
import { resolve } from 'node:path';

/** `path` resolved against the directory the user ran the command from. */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['INIT_CWD'] ?? process.cwd(), path);
}
