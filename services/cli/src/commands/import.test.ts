// `cli import` of a file that can never load, as the operator runs it (a child process on a test
// database and Redis prefix): it returns with the reason and exit code 2 instead of waiting.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { markRegisterApplied } from '@ew/pipeline/imports/imports.fixture';
import { childEnv, createTestApp, type TestApp } from '../../../../test/harness/app.ts';
import { hrFile } from '../../../../packages/pipeline/src/imports/poison-input.fixture.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  await markRegisterApplied(app.ctx.database.db); // a feed is refused until a register is loaded
});
afterAll(async () => {
  await app?.close();
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const main = join(import.meta.dirname, '..', 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { ...childEnv(app), LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 50_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

it('returns with the refusal and exit code 2 for a file with a NUL byte past 64 KiB', async () => {
  const path = join(app.dir, 'hr-2023-03.csv');
  await writeFile(path, hrFile(3_000, 2_500));
  const { code, stdout, stderr } = await cli(['import', '--feed', 'hr', '--period', '2023-03', path]);
  expect({ code, stderr: stderr.includes('error:') ? stderr : '' }).toEqual({ code: 2, stderr: '' });
  expect(stdout).toContain('— REFUSED');
  expect(stdout).toMatch(/refused: FILE_BINARY: file "hr-2023-03\.csv", line 2500, column "业务类型"/);
  expect(stdout).not.toContain(join(app.dir, 'store'));
}, 60_000);
