// The reports around the statistics table, over the known history (history.fixture.ts): the XLSX
// read back, CSV formula safety, the monthly report, the outcome feedback, the platform export's
// masking and audit, the scheduled filing of an ended period; and the periods themselves.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.ts';
import { buildHistory, laterEvents, TOWN_A, TOWN_B, type History } from './history.fixture.ts';
import { monthlyReport } from './monthly.ts';
import { outcomeFeedback, outcomesCsv } from './outcomes.ts';
import { lastEndedPeriod, parseMonth, parsePeriod, periodAt, ReportError } from './period.ts';
import {
  loadPlatformExportConfig,
  parsePlatformExportConfig,
  platformExport,
  ReportConfigError,
} from './platform.ts';
import { sh } from './reports.fixture.ts';
import { fileEndedPeriod, filedRun } from './report-runs.ts';
import { computeStats } from './stats.ts';
import { statsCsv, statsXlsx } from './stats-export.ts';

let tdb: TestDatabase;
let h: History;

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = await buildHistory(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

describe('periods', () => {
  it('tiles the calendar in Asia/Shanghai days', () => {
    expect(parsePeriod('2023-03-14')).toMatchObject({ firstDay: '2023-03-01', lastDay: '2023-03-14' });
    expect(parsePeriod('2024-03-14')).toMatchObject({ firstDay: '2024-02-29', lastDay: '2024-03-14' });
    expect(parsePeriod('2023-01-14')).toMatchObject({ firstDay: '2022-12-29', lastDay: '2023-01-14' });
    expect(parsePeriod('2023-03-28').to.toISOString()).toBe('2023-03-28T16:00:00.000Z');
    expect(periodAt(sh('2023-03-29 00:00')).id).toBe('2023-04-14');
    expect(periodAt(sh('2023-12-31 23:59')).id).toBe('2024-01-14');
    expect(periodAt(new Date(sh('2023-03-15 00:00').getTime() - 1)).id).toBe('2023-03-14');
    expect(lastEndedPeriod(sh('2023-03-15 00:00')).id).toBe('2023-03-14');
    expect(lastEndedPeriod(sh('2023-03-14 23:59')).id).toBe('2023-02-28');
    expect(parseMonth('2023-03').periods.map((p) => p.id)).toEqual(['2023-03-14', '2023-03-28']);
    expect(() => parseMonth('2023-3')).toThrow(ReportError);
  });
});

describe('exports of the statistics table', () => {
  it('writes an XLSX with the title, the period, Chinese headers, the towns and the total', async () => {
    const table = await computeStats(tdb.db, '2023-03-28');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await statsXlsx(table)) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('统计表 2023-03-28');
    expect(ws.getCell('A1').value).toBe('社会救助扩围增效工作统计表');
    expect(ws.getCell('A2').value).toBe('统计期: 2023-03-15 至 2023-03-28 (期号 2023-03-28)');
    const headers = (ws.getRow(3).values as unknown[]).slice(1);
    expect(headers.slice(0, 5)).toEqual(['镇(社区办)', '比对户数', '比对人数', '预警数', '预警:辍学']);
    expect(headers).toContain('期末逾期');
    expect(headers).toContain('一事一议金额(元)');
    const cell = (row: number, header: string) => ws.getRow(row).getCell(headers.indexOf(header) + 1).value;
    expect(cell(4, '镇(社区办)')).toBe(TOWN_A);
    expect(cell(5, '镇(社区办)')).toBe(TOWN_B);
    expect(cell(6, '镇(社区办)')).toBe('合计');
    expect(cell(6, '办结任务')).toBe(5);
    expect(cell(6, '支出型临时救助金额(元)')).toBe(800.5);
    expect(cell(6, '一事一议金额(元)')).toBe(15000);
    expect(cell(6, '期末逾期')).toBe(1);
    expect(cell(5, '预警:返贫致贫风险')).toBe(1);
    expect(ws.getRow(6).font?.bold).toBe(true);
    expect(ws.rowCount).toBe(6);
  });

  it('neutralises CSV cells a spreadsheet would run as formulas', async () => {
    for (const name of ['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)']) {
      await tdb.db.insertInto('towns').values({ name }).execute();
    }
    const csv = statsCsv(await computeStats(tdb.db, '2023-03-14'));
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('社会救助扩围增效工作统计表');
    expect(lines[1]).toBe('统计期: 2023-03-01 至 2023-03-14 (期号 2023-03-14)');
    expect(lines[2]!.startsWith('镇(社区办),比对户数,比对人数,预警数,预警:辍学,')).toBe(true);
    const firsts = lines.slice(3).map((l) => l.split(',')[0]);
    expect(firsts).toEqual(
      ["'+1", "'-2", '"\'=HYPERLINK(""http://x"")"', "'@SUM(A1)", TOWN_A, TOWN_B, '合计', undefined]
        .filter((x) => x !== undefined)
        .concat(['']),
    );
    for (const line of lines) expect(line).not.toMatch(/^[=+\-@]/);
    expect(lines.find((l) => l.startsWith('合计'))).toContain(',3,4,3,');
    await tdb.db.deleteFrom('towns').where('id', 'not in', [h.towns.A, h.towns.B]).execute();
  });
});

describe('monthly report', () => {
  it('gives the month, its change against the previous month and the notable cases', async () => {
    const md = await monthlyReport(tdb.db, '2023-03', { largeAidThreshold: 5000, district: '示例区' });
    expect(md).toContain('# 示例区社会救助扩围增效工作落实情况报告 (2023年3月)');
    expect(md).toContain('统计期 2023-03-01 至 2023-03-28');
    expect(md).toContain('| 新增任务 | 5 | 3 | 8 | 1 | +7 (+700.0%) |');
    expect(md).toContain('| 办结任务 | 3 | 5 | 8 | 0 | +8 |');
    expect(md).toContain('| 期末逾期 | 1 | 1 | 1 | 1 | ±0 (±0.0%) |');
    expect(md).toContain('| 一事一议金额(元) | 0.00 | 15,000.00 | 15,000.00 | 0.00 | +15,000.00 |');
    expect(md).toContain(`| ${TOWN_A} | 4 | 6 | 5 | 1 | 2 | 0 | 0.00 |`);
    expect(md).toContain(`| ${TOWN_B} | 2 | 2 | 3 | 0 | 0 | 3 | 17,800.50 |`);
    expect(md).toContain(`| ${h.tasks.T3} | ${TOWN_B} | 一事一议 | 15,000.00 | 2023-03-27 |`);
    expect(md).not.toContain('| 2,000.00 | 2023-03-25 |');
    expect(md).toContain('### 逾期未办结 (截至 2023-03-28 24:00, 共 1 件)');
    expect(md).toContain(`| ${h.tasks.T4} | ${TOWN_A} | 2023-03-24 | 4 | WALK_IN |`);
    expect(md).toContain('## 四、主要工作举措与成效');
    // never a name or an ID number
    expect(md).not.toMatch(/钱伟|李明|孙丽|130802/);
  });
});

describe('outcome feedback', () => {
  it('counts per town, code and feed as of the range end', async () => {
    const towns = await outcomeFeedback(tdb.db, { by: 'town', toDay: '2023-03-28' });
    expect(towns.rows).toEqual([
      {
        key: String(h.towns.A),
        label: TOWN_A,
        alerts: 4,
        helped: 3,
        notEligible: 1,
        notFound: 0,
        open: 0,
        helpRate: 0.75,
        medianDaysToClose: 6.8,
      },
      {
        key: String(h.towns.B),
        label: TOWN_B,
        alerts: 2,
        helped: 2,
        notEligible: 0,
        notFound: 0,
        open: 0,
        helpRate: 1,
        medianDaysToClose: 15.8,
      },
    ]);
    const early = await outcomeFeedback(tdb.db, { by: 'town', toDay: '2023-03-20' });
    expect(early.rows.map((r) => [r.label, r.alerts, r.helped, r.open])).toEqual([
      [TOWN_A, 3, 2, 1],
      [TOWN_B, 2, 0, 2], // 一事一议 waiting for approval is still open
    ]);
    const codes = await outcomeFeedback(tdb.db, { by: 'code', fromDay: '2023-03-01', toDay: '2023-03-28' });
    const code = (c: string) => codes.rows.find((r) => r.key === c);
    expect(code('HR_FLEXIBLE_LOW')).toMatchObject({
      alerts: 1,
      helped: 0,
      notEligible: 1,
      helpRate: 0,
      medianDaysToClose: 1,
    });
    expect(code('HOUSING_DANGER')).toMatchObject({ label: '危房', alerts: 1, helped: 1 });
    expect(code('HR_STOPPED')).toMatchObject({ alerts: 1 }); // the suppressed alert is not counted
    expect(codes.rows).toHaveLength(9);
    const feeds = await outcomeFeedback(tdb.db, { by: 'feed', toDay: '2023-03-28' });
    expect(feeds.rows[0]).toMatchObject({ key: 'hr', label: '人社', alerts: 3, helped: 2, notEligible: 1 });
    expect(feeds.rows.find((r) => r.key === 'register')).toMatchObject({ alerts: 1, helped: 1 });
    const csv = outcomesCsv(towns)
      .replace(/^\uFEFF/, '')
      .split('\r\n');
    expect(csv[0]).toBe(
      '镇(社区办),名称,预警数,获得帮扶,不符合条件,查无此人/已迁出,未办结,帮扶率,办结天数中位数',
    );
    expect(csv[1]).toBe(`${h.towns.A},${TOWN_A},4,3,1,0,0,0.75,6.8`);
    await expect(
      outcomeFeedback(tdb.db, { by: 'town', fromDay: '2023-03-20', toDay: '2023-03-01' }),
    ).rejects.toThrow(ReportError);

    // a signal withdrawn (no longer true) before the range's end says nothing about its rule
    const withdraw = (at: Date | null) =>
      tdb.db
        .updateTable('signals')
        .set({ superseded_at: at, superseded_reason: at === null ? null : '数据已由更正文件替换' })
        .where('code', '=', 'HR_FLEXIBLE_LOW')
        .execute();
    const byCode = () => outcomeFeedback(tdb.db, { by: 'code', fromDay: '2023-03-01', toDay: '2023-03-28' });
    await withdraw(sh('2023-03-25 10:00'));
    expect((await byCode()).rows.map((r) => r.key)).not.toContain('HR_FLEXIBLE_LOW');
    await withdraw(sh('2023-04-02 10:00'));
    expect((await byCode()).rows.find((r) => r.key === 'HR_FLEXIBLE_LOW')).toMatchObject({ alerts: 1 });
    await withdraw(null);
  });
});

describe('platform export', () => {
  it('exports the period’s inclusions and aid cases, masking IDs for other roles, audited', async () => {
    const config = loadPlatformExportConfig();
    const read = async (role: 'SUPERVISOR' | 'DATA_ADMIN', format: 'csv' | 'xlsx') =>
      platformExport(tdb.db, {
        period: '2023-03-28',
        format,
        actor: { username: `u-${role}`, role },
        config,
      });
    const full = await read('SUPERVISOR', 'csv');
    expect(full).toMatchObject({ rows: 3, fullIds: true, fileName: 'platform-2023-03-28.csv' });
    const lines = full.body
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split('\r\n');
    expect(lines[0]).toBe(
      '序号,姓名,身份证号码,户编号,所属镇(社区办),村(社区),家庭住址,城乡类别,家庭人口数,救助类型,救助金额(元),办结日期',
    );
    const id = (
      await tdb.db
        .selectFrom('persons')
        .select('id_number')
        .where('id', '=', h.households.B1.personIds[0]!)
        .executeTakeFirstOrThrow()
    ).id_number;
    const { address } = await tdb.db
      .selectFrom('households')
      .select('address')
      .where('id', '=', h.households.B1.householdId)
      .executeTakeFirstOrThrow();
    expect(lines[2]).toBe(
      `2,孙丽,${id},${h.households.B1.householdNo},${TOWN_B},东村,${address},城市,1,一事一议,15000,2023-03-27`,
    );
    expect(lines.map((l) => l.split(',')[9]).slice(1, 4)).toEqual([
      '急难型临时救助',
      '一事一议',
      '支出型临时救助',
    ]);

    const masked = await read('DATA_ADMIN', 'xlsx');
    expect(masked.fullIds).toBe(false);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(masked.body as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('救助对象')!;
    expect(ws.getRow(3).getCell(3).value).toBe(`${id.slice(0, 6)}********${id.slice(-4)}`);
    expect(ws.getRow(3).getCell(11).value).toBe(15000);

    const p1 = await platformExport(tdb.db, {
      period: '2023-03-14',
      format: 'csv',
      actor: { username: 'cli', role: null },
      config,
    });
    expect(p1.rows).toBe(3); // T8, T1, T9: 纳入低保边缘
    const audits = await tdb.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'export.platform')
      .orderBy('id')
      .execute();
    expect(audits.map((a) => [a.actor, a.subject_type, a.subject_id, a.detail])).toEqual([
      ['u-SUPERVISOR', 'report_period', '2023-03-28', { format: 'csv', rows: 3, fullIds: true }],
      ['u-DATA_ADMIN', 'report_period', '2023-03-28', { format: 'xlsx', rows: 3, fullIds: false }],
      ['cli', 'report_period', '2023-03-14', { format: 'csv', rows: 3, fullIds: false }],
    ]);
  });

  it('refuses a config with an unknown field', () => {
    expect(() => parsePlatformExportConfig({ columns: [{ header: 'x', field: 'salary' }] })).toThrow(
      ReportConfigError,
    );
    expect(() => parsePlatformExportConfig({ columns: [] })).toThrow(/columns/);
  });
});

describe('scheduled filing', () => {
  it('files the period just ended once, with the figures of a recomputation', async () => {
    const now = sh('2023-03-29 00:30');
    expect(await fileEndedPeriod(tdb.db, now)).toEqual({ outcome: 'filed', period: '2023-03-28' });
    expect(await fileEndedPeriod(tdb.db, now)).toEqual({ outcome: 'already-filed', period: '2023-03-28' });
    await laterEvents(tdb.db, h);
    const run = await filedRun(tdb.db, '2023-03-28');
    expect(run?.computedBy).toBe('scheduler');
    expect(run?.stats).toEqual(await computeStats(tdb.db, '2023-03-28'));
    expect(await filedRun(tdb.db, '2023-03-14')).toBeNull();
  });
});
