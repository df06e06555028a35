import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, repoRoot } from '@ew/config';
import { idCheckDigit } from '@ew/core';
import { loadMappings, type FeedMapping } from '@ew/ingest';
import { createTestDatabase, type TestDatabase } from '../../../../test/harness/db.ts';
import { importRegister, type RegisterImportDeps } from './register-import.ts';

const HEADER =
  '户编号,托管镇,村社区,城乡类别,家庭住址,家庭月收入,救助类别,曾申请未通过,未通过日期,公民身份号码,姓名,性别,出生日期,与户主关系';

/** A valid ID for a birth date and sequence (odd sequence = male). */
function id(birth: string, seq: number): string {
  const first17 = `130802${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}

const A = id('1970-03-04', 11); // head of H1
const B = id('1972-05-06', 22); // spouse in H1
const C = id('1995-07-08', 31); // child in H1, moves to H2 later
const D = id('1950-01-01', 41); // head of H2
const E = id('1948-02-02', 52); // H3 head; removed later
const F = id('2001-09-09', 61); // added later to H2

function csv(rows: string[]): string {
  return [HEADER, ...rows].join('\r\n') + '\r\n';
}

const FIRST = csv([
  `H1,城关镇,东关村,城市,城关镇东关村1号,"3,000.00",一般,否,,${A},张三,男,1970-03-04,户主`,
  `H1,城关镇,东关村,城市,城关镇东关村1号,"3,000.00",一般,否,,${B},李梅,女,1972/5/6,配偶`,
  `H1,城关镇,东关村,城市,城关镇东关村1号,"3,000.00",一般,否,,${C.toLowerCase()},张 小明,男,19950708,子女`,
  `H2,西河镇,河口村,农村,西河镇河口村8号,1200元,低保,否,,${D},王 建国,男,1950年1月1日,户主`,
  `H3,西河镇,河口村,农村,西河镇河口村9号,800,特困,是,2022-06-01,${E},趙麗,女,1948-02-02,户主`,
]);

const SECOND = csv([
  `H1,城关镇,东关村,城市,城关镇东关村1号,"3,000.00",一般,否,,${A},张三,男,1970-03-04,户主`,
  `H1,城关镇,东关村,城市,城关镇东关村1号,"3,000.00",一般,否,,${B},李梅,女,1972/5/6,配偶`,
  `H2,西河镇,河口村,农村,西河镇河口村8号,1200元,低保边缘,否,,${D},王建国,男,1950-01-01,户主`,
  `H2,西河镇,河口村,农村,西河镇河口村8号,1200元,低保边缘,否,,${C},张小明,男,1995-07-08,其他`,
  `H2,西河镇,河口村,农村,西河镇河口村8号,1200元,低保边缘,否,,${F},王芳,女,2001-09-09,子女`,
]);

let tdb: TestDatabase;
let dir: string;
let mappings: Map<string, FeedMapping>;
let deps: RegisterImportDeps;

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function registerState() {
  const persons = await tdb.db
    .selectFrom('persons')
    .innerJoin('households', 'households.id', 'persons.household_id')
    .select(['persons.id_number', 'persons.name_norm', 'persons.active', 'households.household_no'])
    .orderBy('persons.id_number')
    .execute();
  const households = await tdb.db.selectFrom('households').selectAll().orderBy('household_no').execute();
  const events = await tdb.db
    .selectFrom('register_events')
    .select(['kind', 'person_id', 'household_id'])
    .execute();
  return { persons, households, events };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ew-register-'));
  mappings = await loadMappings(join(repoRoot(), 'infra/feeds'));
});

beforeEach(async () => {
  tdb = await createTestDatabase();
  deps = {
    database: tdb,
    mapping: mappings.get('register')!,
    allMappings: mappings,
    logger: createLogger('test', 'silent'),
  };
});

afterAll(async () => {
  await tdb?.drop();
});

describe('register import', () => {
  it('loads a UTF-8-BOM snapshot, normalising IDs and names, household fields from the head', async () => {
    const path = await file('first.csv', '\uFEFF' + FIRST);
    const result = await importRegister(deps, path);
    expect(result).toMatchObject({
      outcome: 'APPLIED',
      rowsRead: 5,
      accepted: 5,
      rejected: 0,
      households: 3,
      persons: 5,
    });

    const child = await tdb.db
      .selectFrom('persons')
      .selectAll()
      .where('id_number', '=', C)
      .executeTakeFirstOrThrow();
    expect(child).toMatchObject({
      name: '张 小明',
      name_norm: '张小明',
      birth_date: '1995-07-08',
      gender: 'M',
    });
    const zhao = await tdb.db
      .selectFrom('persons')
      .selectAll()
      .where('id_number', '=', E)
      .executeTakeFirstOrThrow();
    expect(zhao.name_norm).toBe('赵丽');
    const h3 = await tdb.db
      .selectFrom('households')
      .selectAll()
      .where('household_no', '=', 'H3')
      .executeTakeFirstOrThrow();
    expect(h3).toMatchObject({
      assistance_status: 'TEKUN',
      refused_before: true,
      refused_on: '2022-06-01',
      member_count: 1,
      area_type: 'RURAL',
    });
    const h1 = await tdb.db
      .selectFrom('households')
      .selectAll()
      .where('household_no', '=', 'H1')
      .executeTakeFirstOrThrow();
    expect(h1).toMatchObject({ monthly_income: 3000, member_count: 3 });
    expect(
      (await tdb.db.selectFrom('towns').select('name').orderBy('name').execute()).map((t) => t.name),
    ).toEqual(['城关镇', '西河镇']);
    // the first snapshot is the baseline: no difference events
    expect((await registerState()).events).toEqual([]);
  });

  it('changes nothing when the same file is loaded twice', async () => {
    const path = await file('twice.csv', FIRST);
    await importRegister(deps, path);
    const before = await registerState();
    const again = await importRegister(deps, path);
    expect(again.outcome).toBe('ALREADY_LOADED');
    expect(await registerState()).toEqual(before);
    const snapshots = await tdb.db.selectFrom('register_snapshots').select('id').execute();
    expect(snapshots).toHaveLength(1);
  });

  it('records added, removed, moved and status-changed events for a second snapshot', async () => {
    await importRegister(deps, await file('s1.csv', FIRST));
    const second = await importRegister(deps, await file('s2.csv', SECOND));
    expect(second.outcome).toBe('APPLIED');
    expect(second.events).toMatchObject({
      PERSON_ADDED: 1,
      PERSON_REMOVED: 1,
      PERSON_MOVED: 1,
      HOUSEHOLD_REMOVED: 1,
      STATUS_CHANGED: 1,
      HOUSEHOLD_ADDED: 0,
    });
    const events = await tdb.db
      .selectFrom('register_events')
      .leftJoin('persons', 'persons.id', 'register_events.person_id')
      .leftJoin('households', 'households.id', 'register_events.household_id')
      .select(['kind', 'persons.id_number', 'households.household_no', 'detail'])
      .where('register_events.snapshot_id', '=', second.snapshotId)
      .orderBy('kind')
      .execute();
    expect(events).toEqual([
      { kind: 'HOUSEHOLD_REMOVED', id_number: null, household_no: 'H3', detail: {} },
      { kind: 'PERSON_ADDED', id_number: F, household_no: 'H2', detail: {} },
      {
        kind: 'PERSON_MOVED',
        id_number: C,
        household_no: 'H2',
        detail: expect.objectContaining({ fromHouseholdId: expect.any(Number) }),
      },
      { kind: 'PERSON_REMOVED', id_number: E, household_no: 'H3', detail: {} },
      {
        kind: 'STATUS_CHANGED',
        id_number: null,
        household_no: 'H2',
        detail: { from: 'DIBAO', to: 'MARGINAL' },
      },
    ]);
    const removed = await tdb.db
      .selectFrom('persons')
      .select('active')
      .where('id_number', '=', E)
      .executeTakeFirstOrThrow();
    expect(removed.active).toBe(false);
    const h1 = await tdb.db
      .selectFrom('households')
      .select('member_count')
      .where('household_no', '=', 'H1')
      .executeTakeFirstOrThrow();
    expect(h1.member_count).toBe(2);
  });

  it('rejects bad rows with row, column and reason, and applies the rest', async () => {
    const badCheck = A.slice(0, 17) + (A[17] === '1' ? '2' : '1');
    const content = csv([
      `H1,城关镇,东关村,城市,地址,3000,一般,否,,${A},张三,男,1970-03-04,户主`,
      `H1,城关镇,东关村,城市,地址,3000,一般,否,,${badCheck},李梅,女,1972-05-06,配偶`,
      `H2,西河镇,河口村,农村,地址,1200,困难户,否,,${D},王建国,男,1950-01-01,户主`,
      `,西河镇,河口村,农村,地址,800,特困,否,,${E},赵丽,女,1948-02-02,户主`,
      `H1,城关镇,东关村,城市,地址,3000,一般,否,,${A},张三,男,1970-03-04,户主`,
      `H4,西河镇,河口村,农村,地址,-5,一般,否,,${F},王芳,女,2001-09-09,户主`,
      `H5,西河镇,河口村,农村,地址,800,一般`,
    ]);
    const result = await importRegister(deps, await file('bad.csv', content));
    expect(result).toMatchObject({ outcome: 'APPLIED', rowsRead: 7, accepted: 1, rejected: 6, persons: 1 });
    const rejects = await tdb.db
      .selectFrom('register_rejects')
      .select(['row_no', 'column_name', 'reason', 'value_masked'])
      .orderBy('row_no')
      .execute();
    expect(rejects).toEqual([
      {
        row_no: 3,
        column_name: '公民身份号码',
        reason: 'ID_BAD_CHECK_DIGIT',
        value_masked: expect.stringMatching(/^130802\*{8}\d{3}[\dX]$/),
      },
      { row_no: 4, column_name: '救助类别', reason: 'UNKNOWN_CODE', value_masked: '困难户' },
      { row_no: 5, column_name: '户编号', reason: 'REQUIRED_MISSING', value_masked: '' },
      { row_no: 6, column_name: null, reason: 'DUPLICATE_ID', value_masked: '' },
      { row_no: 7, column_name: '家庭月收入', reason: 'NEGATIVE_AMOUNT', value_masked: '-5' },
      { row_no: 8, column_name: null, reason: 'COLUMN_COUNT', value_masked: expect.any(String) },
    ]);
    // no full ID number is stored in a reject
    for (const r of rejects) expect(r.value_masked ?? '').not.toMatch(/\d{17}[\dX]/);
  });

  it('rejects an income of 10 billion or more as a row (numeric(12,2)), not the whole snapshot', async () => {
    const content = csv([
      `H1,城关镇,东关村,城市,地址,10000000000,一般,否,,${A},张三,男,1970-03-04,户主`,
      `H2,西河镇,河口村,农村,地址,9999999999.99,低保,否,,${D},王建国,男,1950-01-01,户主`,
      `H3,西河镇,河口村,农村,地址,99999999999999999999999,特困,否,,${E},赵丽,女,1948-02-02,户主`,
    ]);
    const result = await importRegister(deps, await file('income.csv', content));
    expect(result).toMatchObject({ outcome: 'APPLIED', rowsRead: 3, accepted: 1, rejected: 2, persons: 1 });
    const rejects = await tdb.db
      .selectFrom('register_rejects')
      .select(['row_no', 'column_name', 'reason'])
      .orderBy('row_no')
      .execute();
    expect(rejects).toEqual([
      { row_no: 2, column_name: '家庭月收入', reason: 'BAD_AMOUNT' },
      { row_no: 4, column_name: '家庭月收入', reason: 'BAD_AMOUNT' },
    ]);
  });

  it('names the delivered file in a refusal, never its directory', async () => {
    const result = await importRegister(deps, await file('empty.csv', ''));
    expect(result.error?.message).toContain('"empty.csv"');
    expect(result.error?.message).not.toContain(dir);
  });

  it('loads a GBK (GB18030) file the same as UTF-8', async () => {
    const result = await importRegister(deps, await file('gbk.csv', iconv.encode(FIRST, 'gbk')));
    expect(result).toMatchObject({ outcome: 'APPLIED', accepted: 5, rejected: 0 });
    const zhao = await tdb.db
      .selectFrom('persons')
      .select(['name', 'name_norm'])
      .where('id_number', '=', E)
      .executeTakeFirstOrThrow();
    expect(zhao).toEqual({ name: '趙麗', name_norm: '赵丽' });
  });

  it('refuses a file of another feed whole, and applies nothing', async () => {
    await importRegister(deps, await file('base.csv', FIRST));
    const before = await registerState();
    const hr = '公民身份号码,姓名,业务类型,业务日期,月收入\r\n' + `${A},张三,失业登记,2023-03-01,\r\n`;
    const result = await importRegister(deps, await file('hr.csv', hr));
    expect(result.outcome).toBe('REFUSED');
    expect(result.error?.code).toMatch(/WRONG_FEED|HEADER_MISMATCH/);
    expect(await registerState()).toEqual(before);
  });

  it('refuses a file truncated mid-row and rolls back every row of it', async () => {
    await importRegister(deps, await file('base2.csv', FIRST));
    const before = await registerState();
    const truncated = SECOND.replace(/\r\n$/, '') + `\r\nH9,城关镇,东关村,城市,"未结束的地址`;
    const result = await importRegister(deps, await file('truncated.csv', truncated));
    expect(result).toMatchObject({ outcome: 'REFUSED', error: { code: 'FILE_TRUNCATED' } });
    expect(await registerState()).toEqual(before);
    const applied = await tdb.db
      .selectFrom('register_snapshots')
      .select('status')
      .where('status', '=', 'APPLIED')
      .execute();
    expect(applied).toHaveLength(1);
  });
});
