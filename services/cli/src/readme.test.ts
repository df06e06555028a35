// The README's commands are the ones CI runs, and its "Using it" examples run as printed on the
// bundled sample files, with paths resolved against the caller's directory.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness/app.ts';
import { REPO_ROOT, runCli } from './cli.fixture.ts';
import { userPath } from './paths.ts';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

function usingItBlock(): string[] {
  const section = README.slice(README.indexOf('## Using it'));
  const block = section.slice(
    section.indexOf('```sh') + 5,
    section.indexOf('```', section.indexOf('```sh') + 5),
  );
  return block.split('\n').filter((l) => l.trim() !== '');
}

describe('README and CI', () => {
  it('CI extracts exactly the two README commands, which run pnpm non-interactively', () => {
    const script = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8');
    const extract = script.slice(script.indexOf('mapfile'), script.indexOf('\nif ['));
    const lines = execFileSync('bash', ['-c', `${extract}\nprintf '%s\\n' "\${readme_commands[@]}"`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    expect(lines).toEqual([
      'npx --yes pnpm@12.4.2 install && npx --yes pnpm@12.4.2 demo',
      'npx --yes pnpm@12.4.2 install && npx --yes pnpm@12.4.2 test',
    ]);
    expect(script).toContain('pnpm typecheck');
    expect(script).toContain('pnpm lint');
  });

  it('every file an example in "Using it" names exists', () => {
    const paths = usingItBlock()
      .filter((l) => !l.trimStart().startsWith('#'))
      .flatMap((l) => l.split('#')[0]!.split(/\s+/))
      .map((w) => w.replace(/^[A-Z_]+=/, '')) // DEPLOYMENT_CONFIG=infra/config/…yaml
      .filter((w) => /\.(csv|xlsx|yaml)$/.test(w) && !w.startsWith('rejects-'));
    expect(paths.length).toBeGreaterThanOrEqual(5);
    for (const p of paths) expect(existsSync(join(REPO_ROOT, p)), p).toBe(true);
  });

  it('resolves a path against INIT_CWD when pnpm set it, else the working directory', () => {
    expect(userPath('medical.csv', { INIT_CWD: '/data/feeds' })).toBe('/data/feeds/medical.csv');
    expect(userPath('/abs/x.csv', { INIT_CWD: '/data/feeds' })).toBe('/abs/x.csv');
    expect(userPath('x.csv', {})).toBe(join(process.cwd(), 'x.csv'));
  });
});

describe('the CLI run from another directory', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('loads the register and a feed named relative to the caller, lists imports, simulates a proposed config', async () => {
    const sample = join(REPO_ROOT, 'infra/sample');
    const register = await runCli(t, ['register', 'import', '--as-of', '2023-03-31', 'register.csv'], sample);
    expect(register.stderr).toBe('');
    expect(register.stdout).toMatch(/snapshot \d+ applied/);

    const feed = await runCli(
      t,
      ['import', '--inline', '--feed', 'medical', '--period', '2023-03', 'medical.csv'],
      sample,
    );
    expect(feed.code).toBe(0);
    expect(feed.stdout).toMatch(/Import \d+: medical, period 2023-03-31, file medical\.csv .* EVALUATED/);
    expect(feed.stdout).toMatch(
      /warning \(OPTIONAL_FIELDS_ABSENT\): optional field\(s\) without a column.*settlement_month/,
    );

    const corrected = await runCli(
      t,
      [
        'import',
        '--inline',
        '--feed',
        'medical',
        '--period',
        '2023-03',
        '--replace',
        'medical-corrected.csv',
      ],
      sample,
    );
    expect(corrected.stdout).toMatch(
      /against the replaced file \(import \d+\): new 1 \(rows \d+\), changed \d+ \(rows [\d, …]+\), gone \d+/,
    );

    // the replaced file's open reviews closed as superseded; none left open on it
    const reviews = await t.ctx.database.db
      .selectFrom('match_reviews')
      .innerJoin('imports', 'imports.id', 'match_reviews.import_id')
      .select(['imports.status as importStatus', 'match_reviews.status'])
      .where('imports.feed', '=', 'medical')
      .execute();
    const replaced = reviews.filter((r) => r.importStatus === 'REPLACED');
    expect(replaced.length).toBeGreaterThan(0);
    expect(replaced.every((r) => r.status === 'SUPERSEDED')).toBe(true);
    const list = await runCli(t, ['imports', 'list']);
    expect(list.stdout).toMatch(/medical\s+2023-03-31\s+medical\.csv\s+REPLACED\s+800/);
    expect(list.stdout).toMatch(/medical\s+2023-03-31\s+medical-corrected\.csv\s+EVALUATED\s+798/);

    const sim = await runCli(
      t,
      ['rules', 'simulate', '--config', '../config/proposed-thresholds.yaml'],
      sample,
    );
    expect(sim.code).toBe(0);
    expect(sim.stdout).toMatch(/^MED_EXPENSE\s+\d+\s+\d+\s+\+\d+$/m);

    // the next snapshot: its follow-up (re-match, register income rule) runs at once and is printed
    const next = await runCli(
      t,
      ['register', 'import', '--as-of', '2023-05-31', 'snapshot-2/register.csv'],
      sample,
    );
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(/snapshot \d+ applied/);
    expect(next.stdout).toMatch(
      /follow-up: \d+ rows outside the old register matched again \(\d+ now matched\)/,
    );
    expect(next.stdout).toMatch(/register rule INCOME_MARGINAL as of 2023-05-31: \d+ new signals/);

    // the July standards: simulate's table and the change's agree, row by row; a second run changes nothing
    const effects = (out: string) =>
      Object.fromEntries(
        [
          ...out.matchAll(
            /^(URBAN|RURAL) \S+\s+2023-07-01\s+\S+ → \S+\s+\S+ → \S+\s+(\d+)\s+(\d+)\s+(\d+)/gm,
          ),
        ].map((m) => [m[1], m.slice(2, 5).map(Number)]),
      );
    const dryRun = await runCli(
      t,
      ['rules', 'simulate', '--config', '../config/proposed-thresholds.yaml'],
      sample,
    );
    const planned = effects(dryRun.stdout);
    expect(Object.keys(planned).sort()).toEqual(['RURAL', 'URBAN']);
    expect(planned.URBAN![0]).toBeGreaterThan(0);
    const change = await runCli(t, ['rules', 'standard-change', '--from', '2023-07-01']);
    expect(change.code).toBe(0);
    expect(change.stdout.match(/applied 已执行/g)).toHaveLength(2);
    expect(effects(change.stdout)).toEqual(planned);
    const again = await runCli(t, ['rules', 'standard-change', '--from', '2023-07-01']);
    expect(again.stdout.match(/ran before 此前已执行/g)).toHaveLength(2);
    const after = effects(
      (await runCli(t, ['rules', 'simulate', '--config', '../config/proposed-thresholds.yaml'], sample))
        .stdout,
    );
    expect([after.URBAN!.slice(0, 2), after.RURAL!.slice(0, 2)]).toEqual([
      [0, 0],
      [0, 0],
    ]);
  }, 300_000);
});

describe('the CLI before any register', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a feed import with a clear error and exit code 2', async () => {
    const sample = join(REPO_ROOT, 'infra/sample');
    const run = await runCli(
      t,
      ['import', '--inline', '--feed', 'hr', '--period', '2023-03', 'hr.csv'],
      sample,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /import refused \(REGISTER_NOT_LOADED\): no household register has been loaded/,
    );
    expect(run.stdout).toBe('');
  });
});
