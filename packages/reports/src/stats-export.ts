// The statistics table as the bureau files it: CSV (UTF-8 with BOM, formula-safe cells: domain §8)
// and XLSX (a title row, the period, Chinese headers, one row per town, the total in bold).
import ExcelJS from 'exceljs';
import { csvLine } from '@ew/core';
import { codeHeader, STATS_TITLE } from './labels.ts';
import type { StatsRow, StatsTable } from './stats.ts';

interface Column {
  header: string;
  value: (r: StatsRow) => string | number;
  /** An amount in CNY (2 decimals in XLSX). */
  money?: boolean;
}

/** The table's columns, in order: the town, screening, alerts (total, then per code), tasks, help. */
export function statsColumns(codes: readonly string[]): Column[] {
  return [
    { header: '镇(社区办)', value: (r) => r.town },
    { header: '比对户数', value: (r) => r.householdsScreened },
    { header: '比对人数', value: (r) => r.personsScreened },
    { header: '预警数', value: (r) => r.alerts },
    ...codes.map((code) => ({ header: codeHeader(code), value: (r: StatsRow) => r.alertsByCode[code] ?? 0 })),
    { header: '新增任务', value: (r) => r.tasksOpened },
    { header: '办结任务', value: (r) => r.tasksClosed },
    { header: '期末在办', value: (r) => r.tasksOpenAtEnd },
    { header: '期末逾期', value: (r) => r.tasksOverdueAtEnd },
    { header: '新纳入低保边缘户数', value: (r) => r.includedMarginal },
    { header: '急难型临时救助(件)', value: (r) => r.aidEmergency.cases },
    { header: '急难型临时救助金额(元)', value: (r) => r.aidEmergency.amount, money: true },
    { header: '支出型临时救助(件)', value: (r) => r.aidExpense.cases },
    { header: '支出型临时救助金额(元)', value: (r) => r.aidExpense.amount, money: true },
    { header: '一事一议(件)', value: (r) => r.caseByCase.cases },
    { header: '一事一议金额(元)', value: (r) => r.caseByCase.amount, money: true },
    { header: '转低保/特困审核(户)', value: (r) => r.referredDibao },
  ];
}

export const periodLine = (t: Pick<StatsTable, 'period' | 'firstDay' | 'lastDay'>): string =>
  `统计期: ${t.firstDay} 至 ${t.lastDay} (期号 ${t.period})`;

/** CSV: the title, the period, the headers, the towns, the total. */
export function statsCsv(t: StatsTable): string {
  const columns = statsColumns(t.codes);
  let out = '\uFEFF' + csvLine([STATS_TITLE]) + csvLine([periodLine(t)]);
  out += csvLine(columns.map((c) => c.header));
  for (const r of [...t.towns, t.total]) out += csvLine(columns.map((c) => c.value(r)));
  return out;
}

/** XLSX workbook bytes. */
export async function statsXlsx(t: StatsTable): Promise<Buffer> {
  const columns = statsColumns(t.codes);
  const wb = new ExcelJS.Workbook();
  wb.creator = 'early-warning';
  const ws = wb.addWorksheet(`统计表 ${t.period}`);
  ws.addRow([STATS_TITLE]);
  ws.mergeCells(1, 1, 1, columns.length);
  const title = ws.getCell(1, 1);
  title.font = { bold: true, size: 14 };
  title.alignment = { horizontal: 'center' };
  ws.addRow([periodLine(t)]);
  ws.mergeCells(2, 1, 2, columns.length);
  const header = ws.addRow(columns.map((c) => c.header));
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' };
  for (const r of t.towns) ws.addRow(columns.map((c) => c.value(r)));
  const total = ws.addRow(columns.map((c) => c.value(t.total)));
  total.font = { bold: true };
  columns.forEach((c, i) => {
    const col = ws.getColumn(i + 1);
    col.width = i === 0 ? 14 : 12;
    if (c.money) col.numFmt = '#,##0.00';
  });
  ws.views = [{ state: 'frozen', xSplit: 1, ySplit: 3 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}
