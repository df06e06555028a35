// Chinese names for every code the API sends. An unknown code is shown as it is (never hidden).

type Names = Readonly<Record<string, string>>;

export const STATUS: Names = {
  NEW: '待受理',
  ASSIGNED: '已分办',
  IN_PROGRESS: '走访核查中',
  PENDING_APPROVAL: '待审批',
  CLOSED: '已办结',
  TRANSFERRED: '已转办',
  OPEN: '未办结',
};

export const STATUS_COLOR: Names = {
  NEW: 'blue',
  ASSIGNED: 'cyan',
  IN_PROGRESS: 'gold',
  PENDING_APPROVAL: 'purple',
  CLOSED: 'green',
  TRANSFERRED: 'default',
};

export const OUTCOME: Names = {
  INCLUDED_MARGINAL: '纳入低保边缘',
  REFERRED_DIBAO: '转低保/特困审核',
  TEMP_AID_EMERGENCY: '急难型临时救助',
  TEMP_AID_EXPENSE: '支出型临时救助',
  CASE_BY_CASE: '一事一议',
  NOT_ELIGIBLE: '不符合条件',
  NOT_FOUND: '查无此人/已迁出',
};

/** Outcomes that carry an aid amount (> 0). */
export const AID_OUTCOMES: ReadonlySet<string> = new Set([
  'TEMP_AID_EMERGENCY',
  'TEMP_AID_EXPENSE',
  'CASE_BY_CASE',
]);

export const SOURCE: Names = {
  ALERT: '预警',
  WALK_IN: '来访',
  VILLAGE_REPORT: '村(居)报告',
  PHONE: '来电',
  OTHER: '其他',
};

export const SEVERITY: Names = { high: '高', medium: '中', low: '低' };
export const SEVERITY_COLOR: Names = { high: 'red', medium: 'orange', low: 'default' };

/** Signal codes (domain §4). */
export const CODE: Names = {
  EDU_DROPOUT: '辍学',
  EDU_EXPENSE: '教育支出负担重',
  HR_UNEMPLOYED: '失业登记',
  HR_FLEXIBLE_LOW: '灵活就业收入低',
  HR_STOPPED: '社保停保',
  HOUSING_DANGER: '住房危险',
  ASSET_REVIEW: '多套房产资格复核',
  MED_EXPENSE: '医疗支出负担重',
  MED_SERIOUS: '大病或重度残疾',
  RURAL_RISK: '防返贫风险未消除',
  INCOME_MARGINAL: '收入处于低保边缘',
  PRIOR_REFUSED: '曾申请未通过',
};

/** Task event actions. */
export const EVENT_ACTION: Names = {
  open: '受理',
  signals_attached: '追加预警信号',
  signals_withdrawn: '预警信号撤销',
  claim: '认领',
  assign: '分派',
  start_visit: '开始走访核查',
  record_visit: '记录走访',
  transfer: '转办',
  close: '办结',
  approve: '审批通过',
  return: '退回重办',
  record_paperwork: '补充材料',
};

/** The actions of a task's allowedActions (the route names), as buttons. */
export const ACTION: Names = {
  claim: '认领',
  assign: '分派',
  'start-visit': '开始走访',
  visits: '记录走访',
  transfer: '转办',
  close: '办结',
  approve: '审批通过',
  return: '退回',
  paperwork: '登记补充材料',
};

export const FEED: Names = {
  education: '教育',
  hr: '人社',
  housing: '住建',
  medical: '医保',
  rural: '乡村振兴',
  register: '户籍',
};

export const IMPORT_STATUS: Names = {
  QUEUED: '排队中',
  STAGING: '读取中',
  STAGED: '已读取',
  MATCHING: '比对中',
  MATCHED: '已比对',
  EVALUATED: '已完成',
  REFUSED: '已拒收',
  FAILED: '失败',
  REPLACED: '已被替换',
};

/** Import states after which nothing more happens to the import. */
export const IMPORT_FINAL: ReadonlySet<string> = new Set(['EVALUATED', 'REFUSED', 'FAILED', 'REPLACED']);

export const MATCH_METHOD: Names = {
  ID: '身份证号比对',
  FALLBACK: '姓名+出生日期比对',
  MANUAL: '人工确认',
  REVIEW: '待人工复核',
  CONFLICT: '身份冲突',
  OUTSIDE: '不在本辖区',
  UNMATCHED: '未匹配',
};

export const ROLE: Names = {
  ADMIN: '系统管理员',
  DATA_ADMIN: '数据管理员',
  SUPERVISOR: '督办人员',
  CASEWORKER: '经办人员',
  OPS: '运维人员',
};

export const AREA_TYPE: Names = { URBAN: '城市', RURAL: '农村' };
export const ASSISTANCE: Names = {
  DIBAO: '低保',
  TEKUN: '特困供养',
  MARGINAL: '低保边缘',
  MONITORED: '防止返贫监测对象',
  NONE: '未享受救助',
};
export const RELATION: Names = { HEAD: '户主', SPOUSE: '配偶', CHILD: '子女', PARENT: '父母', OTHER: '其他' };
export const SEX: Names = { M: '男', F: '女' };
export const EDU_STAGE: Names = {
  PRESCHOOL: '学前',
  PRIMARY: '小学',
  JUNIOR: '初中',
  SENIOR: '高中',
  VOCATIONAL: '中职',
  HIGHER: '高校',
};
export const EDU_STATUS: Names = { ENROLLED: '在读', SUSPENDED: '休学', DROPPED_OUT: '辍学' };
export const HR_EVENT: Names = {
  UNEMPLOYED: '失业登记',
  FLEXIBLE: '灵活就业',
  STOPPED: '停保',
  EMPLOYED: '就业',
};
export const RURAL_TYPE: Names = {
  UNSTABLE: '脱贫不稳定户',
  MARGINAL_PRONE: '边缘易致贫户',
  SUDDEN_HARDSHIP: '突发严重困难户',
};
export const RURAL_RISK: Names = { UNRESOLVED: '风险未消除', RESOLVED: '风险已消除' };
export const REGISTER_TRIGGER: Names = {
  REGISTER_SNAPSHOT: '户籍库快照更新',
  STANDARD_CHANGE: '低保标准调整',
};
export const REVIEW_KIND: Names = { REVIEW: '匹配待确认', CONFLICT: '身份信息冲突' };
export const REVIEW_STATUS: Names = {
  OPEN: '待处理',
  ACCEPTED: '已确认',
  REJECTED: '已驳回',
  SUPERSEDED: '已作废（文件已更正）',
};
export const ID_STATUS: Names = {
  VALID: '有效',
  EMPTY: '为空',
  SCIENTIFIC_NOTATION: '科学计数法（位数丢失）',
  BAD_LENGTH: '位数不对',
  BAD_CHARACTERS: '含非法字符',
  BAD_CHECK_DIGIT: '校验位错误',
  BAD_BIRTH_DATE: '出生日期无效',
};

/** The name of `code` in `names`, or the code itself. */
export function nameOf(names: Names, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—';
  return names[code] ?? code;
}
