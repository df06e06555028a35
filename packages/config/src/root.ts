import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = 'pnpm-workspace.yaml';

function findUp(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, MARKER))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The repository (application) root: `APP_ROOT` when set, else the nearest directory above this
 * package, or above the working directory, that holds `pnpm-workspace.yaml`. The Docker image
 * sets `APP_ROOT=/app` (and copies pnpm-workspace.yaml there too).
 */
export function repoRoot(source: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = source['APP_ROOT'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return resolve(fromEnv.trim());
  const found = findUp(dirname(fileURLToPath(import.meta.url))) ?? findUp(process.cwd());
  if (found === undefined) {
    throw new Error(
      `Cannot find the repository root (no ${MARKER} above this package or the working directory); set APP_ROOT`,
    );
  }
  return found;
}

/** `path` when absolute, else `path` resolved against `root`. */
export function resolveFromRoot(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}
