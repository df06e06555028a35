// The monthly work report (工作落实情况报告) as Markdown, a draft for a supervisor to edit: the
// month's figures (its two periods and the month), the change against the previous month, the
// towns, the notable cases (large aid, tasks overdue at the month's end), and headed blanks for
// what only people can write. A month is its two periods (YYYY-MM-14 and YYYY-MM-28), so it runs
// from the day after the previous month's 28th to the 28th.
import type { Database } from '@ew/db';
import { largeAidCases, overdueCases } from './cases.ts';
import { OUTCOME_LABELS, STATS_TITLE } from './labels.ts';
import { parseMonth, previousMonth, shanghaiDay, type Month } from './period.ts';
import { computeStats, type StatsRow, type StatsTable } from './stats.ts';

export interface MonthlyOptions {
  /** Aid at or above this amount (CNY) is listed as a notable case; default 5,000. */
  largeAidThreshold?: number;
  /** The most overdue tasks listed (all are counted); default 20. */
  overdueListLimit?: number;
  /** The district's name for the title. */
  district?: string;
}

interface Figure {
  label: string;
  value: (r: StatsRow) => number;
  /** A state at the period's end (the month's is its second period's), not a count over it. */
  atEnd?: boolean;
  money?: boolean;
}

const FIGURES: Figure[] = [
  { label: '比对户数', value: (r) => r.householdsScreened },
  { label: '比对人数', value: (r) => r.personsScreened },
  { label: '预警数', value: (r) => r.alerts },
  { label: '新增任务', value: (r) => r.tasksOpened },
  { label: '办结任务', value: (r) => r.tasksClosed },
  { label: '期末在办', value: (r) => r.tasksOpenAtEnd, atEnd: true },
  { label: '期末逾期', value: (r) => r.tasksOverdueAtEnd, atEnd: true },
  { label: '新纳入低保边缘户数', value: (r) => r.includedMarginal },
  { label: '急难型临时救助(件)', value: (r) => r.aidEmergency.cases },
  { label: '急难型临时救助金额(元)', value: (r) => r.aidEmergency.amount, money: true },
  { label: '支出型临时救助(件)', value: (r) => r.aidExpense.cases },
  { label: '支出型临时救助金额(元)', value: (r) => r.aidExpense.amount, money: true },
  { label: '一事一议(件)', value: (r) => r.caseByCase.cases },
  { label: '一事一议金额(元)', value: (r) => r.caseByCase.amount, money: true },
  { label: '转低保/特困审核(户)', value: (r) => r.referredDibao },
];

const intFmt = new Intl.NumberFormat('en-US');
const moneyFmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const fmt = (n: number, money = false) => (money ? moneyFmt.format(n) : intFmt.format(n));

/** The month's figure from its two periods' rows: a sum, or the second period's for a state at the end. */
function monthValue(f: Figure, first: StatsRow, second: StatsRow): number {
  if (f.atEnd) return f.value(second);
  return Math.round((f.value(first) + f.value(second)) * 100) / 100;
}

function change(current: number, previous: number, money: boolean): string {
  const delta = Math.round((current - previous) * 100) / 100;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const pct = previous === 0 ? '' : ` (${sign}${Math.abs((delta / previous) * 100).toFixed(1)}%)`;
  return `${sign}${fmt(Math.abs(delta), money)}${pct}`;
}

const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const rule = (n: number) => row(Array.from({ length: n }, () => '---'));

function figuresSection(cur: [StatsTable, StatsTable], prev: [StatsTable, StatsTable]): string[] {
  const [a, b] = cur;
  const lines = [
    row([
      '指标',
      `上半月 (${a.firstDay} 至 ${a.lastDay})`,
      `下半月 (${b.firstDay} 至 ${b.lastDay})`,
      '本月',
      '上月',
      '较上月',
    ]),
    rule(6),
  ];
  for (const f of FIGURES) {
    const now = monthValue(f, a.total, b.total);
    const before = monthValue(f, prev[0].total, prev[1].total);
    lines.push(
      row([
        f.label,
        fmt(f.value(a.total), f.money),
        fmt(f.value(b.total), f.money),
        fmt(now, f.money),
        fmt(before, f.money),
        change(now, before, f.money === true),
      ]),
    );
  }
  lines.push(
    '',
    '注: 期末在办、期末逾期取月末(下半月期末)数; 其余为两期之和。比对户数、人数按期去重, 两期相加可能重复计入同一户。',
  );
  return lines;
}

function townSection(cur: [StatsTable, StatsTable]): string[] {
  const [a, b] = cur;
  const lines = [
    row([
      '镇(社区办)',
      '预警数',
      '新增任务',
      '办结任务',
      '期末逾期',
      '新纳入低保边缘',
      '临时救助(件)',
      '临时救助金额(元)',
    ]),
    rule(8),
  ];
  for (const [i, town] of b.towns.entries()) {
    const first = a.towns.find((t) => t.townId === town.townId) ?? a.towns[i]!;
    const sum = (v: (r: StatsRow) => number) => v(first) + v(town);
    const aidCases = (r: StatsRow) => r.aidEmergency.cases + r.aidExpense.cases + r.caseByCase.cases;
    const aidAmount = (r: StatsRow) => r.aidEmergency.amount + r.aidExpense.amount + r.caseByCase.amount;
    lines.push(
      row([
        town.town,
        fmt(sum((r) => r.alerts)),
        fmt(sum((r) => r.tasksOpened)),
        fmt(sum((r) => r.tasksClosed)),
        fmt(town.tasksOverdueAtEnd),
        fmt(sum((r) => r.includedMarginal)),
        fmt(sum(aidCases)),
        fmt(Math.round(sum(aidAmount) * 100) / 100, true),
      ]),
    );
  }
  return lines;
}

/** The report of a month `YYYY-MM` as Markdown. */
export async function monthlyReport(
  db: Database,
  monthId: string,
  options: MonthlyOptions = {},
): Promise<string> {
  const month: Month = parseMonth(monthId);
  const prev = previousMonth(month);
  const threshold = options.largeAidThreshold ?? 5000;
  const limit = options.overdueListLimit ?? 20;
  const cur: [StatsTable, StatsTable] = [
    await computeStats(db, month.periods[0]),
    await computeStats(db, month.periods[1]),
  ];
  const before: [StatsTable, StatsTable] = [
    await computeStats(db, prev.periods[0]),
    await computeStats(db, prev.periods[1]),
  ];
  const aid = await largeAidCases(db, month.from, month.to, threshold);
  const overdue = await overdueCases(db, month.to, limit);
  const [y, m] = month.id.split('-');
  const lines: string[] = [
    `# ${options.district ?? ''}社会救助扩围增效工作落实情况报告 (${y}年${Number(m)}月)`,
    '',
    `> 草稿, 由系统于 ${shanghaiDay(new Date())} 按${STATS_TITLE}生成, 请核对、补充后上报。统计期 ${cur[0].firstDay} 至 ${cur[1].lastDay} (期号 ${cur[0].period}、${cur[1].period}); 上月为 ${before[0].firstDay} 至 ${before[1].lastDay}。`,
    '',
    '## 一、主要数据',
    '',
    ...figuresSection(cur, before),
    '',
    '## 二、分镇情况',
    '',
    ...townSection(cur),
    '',
    '## 三、需关注的个案',
    '',
    `### 大额救助 (单笔 ≥ ${fmt(threshold, true)} 元)`,
    '',
  ];
  if (aid.length === 0) lines.push('本月无。');
  else {
    lines.push(row(['任务编号', '镇(社区办)', '救助类型', '金额(元)', '办结日期']), rule(5));
    for (const c of aid) {
      lines.push(
        row([
          c.taskId,
          c.town ?? '-',
          OUTCOME_LABELS[c.outcome] ?? c.outcome,
          fmt(c.aidAmount, true),
          shanghaiDay(c.closedAt),
        ]),
      );
    }
  }
  lines.push(
    '',
    `### 逾期未办结 (截至 ${cur[1].lastDay} 24:00, 共 ${fmt(overdue.total)} 件${overdue.total > overdue.cases.length ? `, 列出逾期最久的 ${overdue.cases.length} 件` : ''})`,
    '',
  );
  if (overdue.total === 0) lines.push('无。');
  else {
    lines.push(row(['任务编号', '镇(社区办)', '办理期限', '逾期天数', '来源']), rule(5));
    for (const c of overdue.cases)
      lines.push(row([c.taskId, c.town ?? '-', shanghaiDay(c.dueAt), c.daysOverdue, c.source]));
  }
  lines.push(
    '',
    '## 四、主要工作举措与成效',
    '',
    '(请填写: 走访核查、部门协同、政策宣传等工作情况及典型案例。)',
    '',
    '## 五、存在的问题',
    '',
    '(请填写。)',
    '',
    '## 六、下一步工作计划',
    '',
    '(请填写。)',
    '',
  );
  return lines.join('\n');
}
