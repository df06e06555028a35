// A signal explained as a Chinese sentence with its values and thresholds (the evidence the rule
// recorded, see packages/pipeline/src/rules/*-rules.ts), and where it came from.
import { formatDate, formatNumber, formatShare } from './format.ts';
import {
  ASSISTANCE,
  CODE,
  EDU_STAGE,
  EDU_STATUS,
  FEED,
  HR_EVENT,
  MATCH_METHOD,
  nameOf,
  REGISTER_TRIGGER,
  RURAL_RISK,
  RURAL_TYPE,
} from './labels.ts';
import type { ExplainedSignal } from './types.ts';

type Evidence = Record<string, unknown>;

const yuan = (v: unknown) => `${formatNumber(v)} 元`;
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : '—');
const notCovered = (v: Evidence) =>
  v.assistanceStatus === undefined
    ? '家庭未纳入低保/特困'
    : `家庭救助状态为${nameOf(ASSISTANCE, text(v.assistanceStatus))}`;

/** One sentence per code; `v` values, `t` thresholds. */
const SENTENCES: Record<string, (v: Evidence, t: Evidence) => string> = {
  EDU_DROPOUT: (v) =>
    `学籍状态为${nameOf(EDU_STATUS, text(v.status))}（${text(v.school)}，${nameOf(EDU_STAGE, text(v.stage))}）`,
  EDU_EXPENSE: (v, t) =>
    `年教育费用 ${yuan(v.annualFees)}，扣除已获资助 ${yuan(v.aidReceived)} 后为 ${yuan(v.netExpense)}，` +
    `高于家庭年收入 ${yuan(v.annualIncome)} 的 ${formatShare(t.shareOfAnnualIncome)}（${yuan(t.limit)}）`,
  HR_UNEMPLOYED: (v, t) =>
    `${formatDate(text(v.eventDate))} 办理失业登记，距数据日期 ${formatNumber(v.daysSinceEvent)} 天（不超过 ${formatNumber(t.windowDays)} 天），` +
    `年龄 ${formatNumber(v.age)} 岁（${formatNumber(t.minAge)}–${formatNumber(t.maxAge)} 岁），${notCovered(v)}`,
  HR_FLEXIBLE_LOW: (v, t) =>
    `灵活就业，月收入 ${yuan(v.monthlyIncome)}，低于低保边缘标准 ${yuan(t.marginalThreshold)}` +
    `（低保标准 ${yuan(t.standard)}${t.standardEffectiveFrom ? `，${formatDate(text(t.standardEffectiveFrom))} 起执行` : ''}），${notCovered(v)}`,
  HR_STOPPED: (v) =>
    `${formatDate(text(v.eventDate))} 社会保险${nameOf(HR_EVENT, text(v.event))}（中断缴费），${notCovered(v)}`,
  HOUSING_DANGER: (v, t) =>
    `住房安全等级 ${text(v.safetyGrade)} 级（危房），人均月收入 ${yuan(v.perCapitaIncome)}` +
    `（家庭月收入 ${yuan(v.monthlyIncome)}，${formatNumber(v.memberCount)} 人），不高于低保边缘标准 ${yuan(t.marginalThreshold)}`,
  ASSET_REVIEW: (v, t) =>
    `名下房产 ${formatNumber(v.propertyCount)} 套（不少于 ${formatNumber(t.minProperties)} 套），` +
    `现为${nameOf(ASSISTANCE, text(v.assistanceStatus))}，需复核救助资格`,
  MED_EXPENSE: (v, t) =>
    `本年度个人自付医疗费用 ${yuan(v.outOfPocket)}，不低于 ${yuan(t.limit)}` +
    `（${yuan(t.floor)} 与家庭年收入 ${yuan(v.annualIncome)} 的 ${formatShare(t.shareOfAnnualIncome)} 中的较高者）`,
  MED_SERIOUS: (v) => {
    const flags = [
      v.seriousIllness === true ? '大病/慢特病' : null,
      v.severeDisability === true ? '重度残疾' : null,
    ]
      .filter((x) => x !== null)
      .join('、');
    return `医保标记为${flags === '' ? '大病或重度残疾' : flags}，${notCovered(v)}`;
  },
  RURAL_RISK: (v) =>
    `乡村振兴部门认定为${nameOf(RURAL_TYPE, text(v.monitoringType))}（${formatDate(text(v.identifiedOn))}），` +
    `${nameOf(RURAL_RISK, text(v.riskState))}，${notCovered(v)}`,
  INCOME_MARGINAL: (v, t) =>
    `人均月收入 ${yuan(v.perCapitaIncome)}（家庭月收入 ${yuan(v.monthlyIncome)}，${formatNumber(v.memberCount)} 人），` +
    `高于低保标准 ${yuan(t.standard)}，不高于低保边缘标准 ${yuan(t.marginalThreshold)}，${notCovered(v)}`,
};

export function codeName(code: string): string {
  return nameOf(CODE, code);
}

/** The signal in one sentence; a code without a sentence lists its values and thresholds. */
export function explainSignal(signal: Pick<ExplainedSignal, 'code' | 'values' | 'thresholds'>): string {
  const sentence = SENTENCES[signal.code];
  if (sentence !== undefined) return sentence(signal.values, signal.thresholds);
  const list = (o: Evidence) =>
    Object.entries(o)
      .map(([k, x]) => `${k} ${typeof x === 'number' ? formatNumber(x) : String(x)}`)
      .join('，');
  return [list(signal.values), list(signal.thresholds)].filter((s) => s !== '').join('；阈值：');
}

/** Where the signal came from: feed, delivery (file, import), row and match. */
export function sourceOf(signal: Pick<ExplainedSignal, 'source' | 'sourcePeriod'>): string {
  const s = signal.source;
  if (s.kind === 'register') {
    return `户籍库（${nameOf(REGISTER_TRIGGER, s.trigger)}，${formatDate(signal.sourcePeriod)}）`;
  }
  const parts = [`${nameOf(FEED, s.feed)}数据`, `数据期 ${formatDate(s.period)}`];
  if (s.importId !== null) parts.push(`第 ${s.importId} 批导入${s.fileName ? `（${s.fileName}）` : ''}`);
  if (s.rowNo !== null) parts.push(`第 ${s.rowNo} 行`);
  if (s.matchMethod !== null) {
    parts.push(
      `${nameOf(MATCH_METHOD, s.matchMethod)}${s.matchScore !== null ? `，匹配度 ${formatNumber(s.matchScore)}` : ''}`,
    );
  }
  return parts.join(' · ');
}
