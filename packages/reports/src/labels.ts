// The words the reports print: rule codes (domain §4), outcomes (§5) and the statistics table's
// columns (§6), in the order the table shows them.
import type { TaskOutcome } from '@ew/db';

/** Every rule code, in the table's column order; a code found in the data but not here is appended. */
export const RULE_CODES = [
  'EDU_DROPOUT',
  'EDU_EXPENSE',
  'HR_UNEMPLOYED',
  'HR_FLEXIBLE_LOW',
  'HR_STOPPED',
  'HOUSING_DANGER',
  'ASSET_REVIEW',
  'MED_EXPENSE',
  'MED_SERIOUS',
  'RURAL_RISK',
  'INCOME_MARGINAL',
] as const;

export const CODE_LABELS: Record<string, string> = {
  EDU_DROPOUT: '辍学',
  EDU_EXPENSE: '教育支出过大',
  HR_UNEMPLOYED: '失业登记',
  HR_FLEXIBLE_LOW: '灵活就业低收入',
  HR_STOPPED: '停保',
  HOUSING_DANGER: '危房',
  ASSET_REVIEW: '多套房产核查',
  MED_EXPENSE: '医疗支出过大',
  MED_SERIOUS: '大病/重度残疾',
  RURAL_RISK: '返贫致贫风险',
  INCOME_MARGINAL: '收入低于边缘标准',
};

export const FEED_LABELS: Record<string, string> = {
  education: '教育',
  hr: '人社',
  housing: '住建',
  medical: '医保',
  rural: '乡村振兴',
  register: '户籍/低收入人口库',
};

export const OUTCOME_LABELS: Record<TaskOutcome, string> = {
  INCLUDED_MARGINAL: '纳入低保边缘',
  REFERRED_DIBAO: '转低保/特困审核',
  TEMP_AID_EMERGENCY: '急难型临时救助',
  TEMP_AID_EXPENSE: '支出型临时救助',
  CASE_BY_CASE: '一事一议',
  NOT_ELIGIBLE: '不符合条件',
  NOT_FOUND: '查无此人/已迁出',
};

/** Outcomes that mean the alert led to help (domain §7). */
export const HELP_OUTCOMES = [
  'INCLUDED_MARGINAL',
  'REFERRED_DIBAO',
  'TEMP_AID_EMERGENCY',
  'TEMP_AID_EXPENSE',
  'CASE_BY_CASE',
] as const satisfies readonly TaskOutcome[];

/** Outcomes that carry an amount of aid. */
export const AID_OUTCOMES = [
  'TEMP_AID_EMERGENCY',
  'TEMP_AID_EXPENSE',
  'CASE_BY_CASE',
] as const satisfies readonly TaskOutcome[];

export const codeHeader = (code: string): string => `预警:${CODE_LABELS[code] ?? code}`;

export const STATS_TITLE = '社会救助扩围增效工作统计表';
export const TOTAL_LABEL = '合计';
