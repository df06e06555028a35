// Test helper (not a test file): runs the real CLI (`tsx services/cli/src/main.ts …`) as a child
// process against a test database, from a given working directory as pnpm would (INIT_CWD).
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestApp } from '../../../test/harness/app.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
const MAIN = join(REPO_ROOT, 'services/cli/src/main.ts');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `pnpm cli ARGS` typed in `cwd`: the process runs in the repository root, INIT_CWD is `cwd`. */
export async function runCli(t: TestApp, args: string[], cwd: string = REPO_ROOT): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [MAIN, ...args], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        INIT_CWD: cwd,
        DATABASE_URL: t.tdb.url,
        REDIS_URL: t.redisUrl,
        QUEUE_PREFIX: t.queuePrefix,
        FILE_STORE_DIR: join(t.dir, 'store'),
        LOG_LEVEL: 'warn',
      },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
