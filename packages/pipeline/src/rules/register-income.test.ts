// INCOME_MARGINAL after register snapshots, loaded the real way (importRegister): the baseline
// raises every qualifying household; a later snapshot raises the households that newly qualify
// because of its events (income, status, members, new household) — not those that qualified before.
// Applied today: URBAN standard 950, marginal 1425 (sample config).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, repoRoot } from '@ew/config';
import { loadMappings, type FeedMapping } from '@ew/ingest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { importRegister } from '../register/register-import.ts';
import { evaluateRegisterIncome } from './register-income.ts';
import { makeId, tableCounts, testContext } from './rules.fixture.ts';

const HEADER =
  '户编号,托管镇,村社区,城乡类别,家庭住址,家庭月收入,救助类别,曾申请未通过,未通过日期,公民身份号码,姓名,性别,出生日期,与户主关系';

let tdb: TestDatabase;
let dir: string;
let mapping: FeedMapping;

beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'ew-register-income-'));
  mapping = (await loadMappings(join(repoRoot(), 'infra/feeds'))).get('register')!;
});
afterAll(async () => {
  await tdb?.drop();
});

interface Member {
  id: string;
  name: string;
  birth: string;
}
const person = (name: string, birth: string): Member => ({ id: makeId(birth), name, birth });

const P = {
  h1: person('甲一', '1970-01-01'),
  h2: person('乙一', '1970-01-02'),
  h3a: person('丙一', '1970-01-03'),
  h3b: person('丙二', '2000-01-03'),
  h4: person('丁一', '1970-01-04'),
  h5: person('戊一', '1970-01-05'),
  h6a: person('己一', '1970-01-06'),
  h6b: person('己二', '2000-01-06'),
  h6c: person('己三', '2010-01-06'),
  h7: person('庚一', '1970-01-07'),
  h8a: person('辛一', '1970-01-08'),
  h8b: person('辛二', '2000-01-08'),
  h8c: person('辛三', '2012-01-08'),
  h9a: person('壬一', '1970-01-09'),
  h9b: person('壬二', '1940-01-09'),
  h10: person('癸一', '1970-01-10'),
};

function row(hh: string, income: number, status: string, m: Member, relation = '户主'): string {
  return `${hh},城关镇,东关村,城市,地址,${income},${status},否,,${m.id},${m.name},男,${m.birth},${relation}`;
}

async function load(name: string, rows: string[]) {
  const path = join(dir, name);
  await writeFile(path, [HEADER, ...rows].join('\r\n') + '\r\n');
  return importRegister({ database: tdb, mapping, logger: createLogger('test', 'silent') }, path);
}

async function raisedHouseholds(snapshotId: number): Promise<string[]> {
  const rows = await tdb.db
    .selectFrom('signals')
    .innerJoin('households', 'households.id', 'signals.household_id')
    .select('households.household_no')
    .where('signals.code', '=', 'INCOME_MARGINAL')
    .where(sql<boolean>`signals.evidence @> ${JSON.stringify({ source: { snapshotId } })}::jsonb`)
    .orderBy('households.household_no')
    .execute();
  return rows.map((r) => r.household_no);
}

describe('evaluateRegisterIncome', () => {
  it('baseline: every qualifying household; then only those newly qualifying by the snapshot events', async () => {
    const ctx = testContext(tdb);
    const first = await load('s1.csv', [
      row('H01', 1000, '一般', P.h1), // qualifies
      row('H02', 2000, '一般', P.h2), // above
      row('H03', 2700, '低保边缘', P.h3a), // pc 1350 but MARGINAL
      row('H03', 2700, '低保边缘', P.h3b, '子女'),
      row('H04', 1000, '低保', P.h4), // DIBAO
      row('H05', 1000, '一般', P.h5), // qualifies, unchanged later
      row('H06', 2000, '一般', P.h6a), // pc 1000 qualifies; a member joins later
      row('H06', 2000, '一般', P.h6b, '子女'),
      row('H08', 3000, '一般', P.h8a), // pc 1500; a member joins later → 1000
      row('H08', 3000, '一般', P.h8b, '子女'),
      row('H09', 1200, '一般', P.h9a), // pc 600 below the standard; a member leaves → 1200
      row('H09', 1200, '一般', P.h9b, '父母'),
      row('H10', 1000, '一般', P.h10), // qualifies; income changes within the band
    ]);
    expect(first.outcome).toBe('APPLIED');
    const baseline = await evaluateRegisterIncome(ctx, first.snapshotId);
    expect(baseline).toMatchObject({
      outcome: 'evaluated',
      baseline: true,
      signals: 4,
      alerts: { tasksOpened: 4 },
    });
    expect(await raisedHouseholds(first.snapshotId)).toEqual(['H01', 'H05', 'H06', 'H10']);

    const second = await load('s2.csv', [
      row('H01', 1000, '一般', P.h1),
      row('H02', 1200, '一般', P.h2), // INCOME_CHANGED into the band
      row('H03', 2700, '一般', P.h3a), // STATUS_CHANGED MARGINAL → NONE
      row('H03', 2700, '一般', P.h3b, '子女'),
      row('H04', 1000, '一般', P.h4), // STATUS_CHANGED DIBAO → NONE
      row('H05', 1000, '一般', P.h5),
      row('H06', 2000, '一般', P.h6a), // PERSON_ADDED: pc 666.67, below the standard
      row('H06', 2000, '一般', P.h6b, '子女'),
      row('H06', 2000, '一般', P.h6c, '子女'),
      row('H07', 1300, '一般', P.h7), // HOUSEHOLD_ADDED
      row('H08', 3000, '一般', P.h8a), // PERSON_ADDED: pc 1000
      row('H08', 3000, '一般', P.h8b, '子女'),
      row('H08', 3000, '一般', P.h8c, '子女'),
      row('H09', 1200, '一般', P.h9a), // PERSON_REMOVED: pc 1200
      row('H10', 1100, '一般', P.h10), // INCOME_CHANGED, qualified before
    ]);
    expect(second.outcome).toBe('APPLIED');
    const later = await evaluateRegisterIncome(ctx, second.snapshotId);
    expect(later).toMatchObject({ outcome: 'evaluated', baseline: false, signals: 6 });
    expect(await raisedHouseholds(second.snapshotId)).toEqual(['H02', 'H03', 'H04', 'H07', 'H08', 'H09']);

    const h09 = await tdb.db
      .selectFrom('signals')
      .innerJoin('households', 'households.id', 'signals.household_id')
      .select(['signals.evidence', 'signals.source_period', 'signals.feed', 'signals.person_id'])
      .where('households.household_no', '=', 'H09')
      .executeTakeFirstOrThrow();
    expect(h09).toMatchObject({
      feed: 'register',
      person_id: null,
      source_period: later.outcome === 'evaluated' ? later.asOf : '',
    });
    expect(h09.evidence).toMatchObject({
      source: {
        trigger: 'REGISTER_SNAPSHOT',
        snapshotId: second.snapshotId,
        baseline: false,
        events: ['PERSON_REMOVED'],
      },
      values: { monthlyIncome: 1200, memberCount: 1, perCapitaIncome: 1200, assistanceStatus: 'NONE' },
      before: { monthlyIncome: 1200, memberCount: 2, assistanceStatus: 'NONE' },
      thresholds: { standard: 950, marginalThreshold: 1425, marginalFactor: 1.5 },
    });

    // once per snapshot
    const before = await tableCounts(tdb.db);
    expect(await evaluateRegisterIncome(ctx, second.snapshotId)).toEqual({
      outcome: 'skipped',
      reason: 'already-run',
    });
    expect(await evaluateRegisterIncome(ctx, 999_999)).toEqual({
      outcome: 'skipped',
      reason: 'snapshot-not-applied',
    });
    expect(await tableCounts(tdb.db)).toEqual(before);
  });
});
