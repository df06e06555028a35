// An idle pooled connection that the server terminates must not end the process: the pool's
// 'error' handler (connection.ts) drops it and the next query gets a new backend. Run in a child
// process, because an unhandled pool error is an uncaught exception that ends whatever process
// it happens in.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

it('survives pg_terminate_backend of an idle client, and the next query works', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'idle-error.fixture.ts'), tdb.url],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const until = async (re: RegExp) => {
    for (let i = 0; i < 300 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    return re.exec(out);
  };
  try {
    const pid = Number((await until(/pid (\d+)\n/))?.[1]);
    expect(pid).toBeGreaterThan(0);

    const admin = new pg.Client({ connectionString: tdb.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [pid]);
      expect(rows[0]!.ok).toBe(true);
    } finally {
      await admin.end();
    }
    // the idle client's error arrives asynchronously: wait for the handler's line
    for (let i = 0; i < 100 && !err.includes('idle pooled connection failed'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(err).toContain('an idle pooled connection failed and was dropped');
    expect(child.exitCode).toBeNull(); // still running

    child.stdin.write('go\n');
    const after = Number((await until(/after (\d+)\n/))?.[1]);
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(pid);
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
});
