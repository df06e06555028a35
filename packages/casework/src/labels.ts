// Chinese names of the workflow's codes, for the CLI, exports and messages (the console keeps its
// own copy for the browser, from the same list).
import type { AssistanceStatus, TaskEventStatus, TaskOutcome, TaskSource } from '@ew/db';
import type { TaskAction } from './workflow.ts';

export const STATUS_LABELS: Record<TaskEventStatus, string> = {
  NEW: '待受理',
  ASSIGNED: '已分办',
  IN_PROGRESS: '走访核查中',
  PENDING_APPROVAL: '待审批',
  CLOSED: '已办结',
  TRANSFERRED: '已转办',
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

export const SOURCE_LABELS: Record<TaskSource, string> = {
  ALERT: '预警',
  WALK_IN: '来访申请',
  VILLAGE_REPORT: '村(居)委会报告',
  PHONE: '电话求助',
  OTHER: '其他',
};

export const ACTION_LABELS: Record<TaskAction, string> = {
  open: '受理',
  signals_attached: '新增预警信号',
  signals_withdrawn: '预警信号撤销',
  overdue: '已超期',
  paperwork_overdue: '补充材料超期',
  claim: '认领',
  assign: '分办',
  start_visit: '开始走访',
  record_visit: '登记走访',
  transfer: '转办',
  close: '办结',
  approve: '审批通过',
  return: '退回',
  record_paperwork: '补充材料',
};

/** A household's assistance status in the register (救助状态). */
export const ASSISTANCE_LABELS: Record<AssistanceStatus, string> = {
  NONE: '未享受救助',
  DIBAO: '低保',
  TEKUN: '特困',
  MARGINAL: '低保边缘',
  MONITORED: '监测对象',
};
