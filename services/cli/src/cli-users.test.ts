// The users commands, run as the CLI process they are: the operator named in the audit log,
// passwords shown once (or read from stdin), the list.
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '@ew/accounts';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '../../../test/harness/db.ts';

const ROOT = join(import.meta.dirname, '../../..');
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.db.insertInto('towns').values({ name: '城关镇' }).execute();
});
afterAll(async () => {
  await tdb?.drop();
});

function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'services/cli/src/main.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: tdb.url, REDIS_URL: testRedisUrl(), LOG_LEVEL: 'warn' },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin ?? '');
  });
}

async function audited(action: string) {
  return tdb.db
    .selectFrom('audit_log')
    .select(['actor', 'actor_user_id', 'detail'])
    .where('action', '=', action)
    .execute();
}

// each command is a fresh process that loads the whole CLI: slow on a busy machine
describe('ew users', { timeout: 120_000 }, () => {
  it('creates a user with a generated password, shown once, and names the --operator in the audit log', async () => {
    const res = await cli([
      '--operator',
      'alice',
      'users',
      'create',
      'pia',
      '--role',
      'caseworker',
      '--town',
      '城关镇',
    ]);
    expect(res).toMatchObject({ code: 0 });
    const m = /password \(shown once\):\n(\S+)\n/.exec(res.stdout);
    expect(m).not.toBeNull();
    const { user } = await signIn(tdb.db, { username: 'pia', password: m![1]! });
    expect(user).toMatchObject({ role: 'CASEWORKER', town: '城关镇' });
    expect(await audited('user.create')).toEqual([
      {
        actor: 'cli:alice',
        actor_user_id: null,
        detail: { role: 'CASEWORKER', townId: expect.any(Number), password: true, token: false },
      },
    ]);
  });

  it('resets a password from stdin, the OS user as operator without --operator', async () => {
    const res = await cli(['users', 'reset-password', 'pia', '--password-stdin'], 'piped in password\n');
    expect(res).toMatchObject({ code: 0, stdout: 'password of pia reset\n' });
    await expect(signIn(tdb.db, { username: 'pia', password: 'piped in password' })).resolves.toBeTruthy();
    expect((await audited('user.reset_password')).map((a) => a.actor)).toEqual([
      `cli:${userInfo().username}`,
    ]);
  });

  it('lists and deactivates (the operator option also after the command)', async () => {
    const list = await cli(['users', 'list', '--role', 'CASEWORKER']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^pia\s+pia\s+CASEWORKER\s+城关镇\s+yes\s+password\s/m);
    const off = await cli(['users', 'deactivate', 'pia', '--operator', 'bob']);
    expect(off).toMatchObject({ code: 0, stdout: 'user pia deactivated\n' });
    expect((await audited('user.deactivate')).map((a) => a.actor)).toEqual(['cli:bob']);
  });

  it('refuses an operator name that is not one', async () => {
    const bad = await cli(['--operator', 'no spaces please', 'users', 'list']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--operator');
  });
});
