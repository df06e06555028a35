// The API's shapes as the console reads them (/work/plan/api-contract.md). Times are ISO strings.

export type Role = 'ADMIN' | 'DATA_ADMIN' | 'SUPERVISOR' | 'CASEWORKER' | 'OPS';
export type Severity = 'high' | 'medium' | 'low';

export interface Me {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  townId: number | null;
  town: string | null;
  csrfToken: string;
}

export interface UserRef {
  id: number;
  username: string;
  displayName: string;
}

export interface TaskSummary {
  taskId: number;
  version: number;
  status: string;
  severity: Severity;
  codes: string[];
  codeCount: number;
  dueAt: string;
  overdue: boolean;
  createdAt: string;
  closedAt: string | null;
  outcome: string | null;
  aidAmount: number | null;
  source: string;
  householdNo: string | null;
  subjectName: string | null;
  village: string | null;
  address: string | null;
  town: string;
  townId: number;
  assignedTo: UserRef | null;
  paperworkDueAt: string | null;
  paperworkOverdue: boolean;
  /** Signals of the task withdrawn since (no longer true): shown as 部分信号已撤销. */
  signalsWithdrawn: number;
}

export interface Member {
  personId: number;
  name: string;
  relation: string;
  sex: string;
  age: number | null;
  idNumberMasked: string;
}

export interface Visit {
  id: number;
  visitedOn: string;
  visitedBy: string;
  /** Who was met (被访人), free text. */
  met: string;
  verified: { income?: unknown; housing?: unknown; health?: unknown; other?: unknown };
  notes: string | null;
  createdAt: string;
}

export interface TaskEvent {
  id: number;
  action: string;
  from: string | null;
  to: string | null;
  actor: string;
  at: string;
  note: string | null;
  detail: Record<string, unknown> | null;
}

export type SignalSource =
  | {
      kind: 'feed';
      feed: string;
      importId: number | null;
      fileName: string | null;
      period: string;
      rowNo: number | null;
      matchMethod: string | null;
      matchScore: number | null;
    }
  | { kind: 'register'; trigger: string | null; detail: Record<string, unknown> };

export interface ExplainedSignal {
  id: number;
  code: string;
  rule: string | null;
  severity: Severity;
  sourcePeriod: string;
  person: { idNumber: string; name: string } | null;
  values: Record<string, unknown>;
  thresholds: Record<string, unknown>;
  before: Record<string, unknown> | null;
  source: SignalSource;
  createdAt: string;
  /** Withdrawn: no longer true (a new low-income standard, a corrected file), and why. */
  superseded: { at: string; reason: string | null } | null;
}

export interface ExplainedAlert {
  id: number;
  householdNo: string;
  town: string;
  severity: Severity;
  status: string;
  severityBasis: Record<string, unknown>;
  createdAt: string;
  signals: ExplainedSignal[];
}

export interface TaskDetail extends TaskSummary {
  household: {
    householdNo: string;
    address: string | null;
    village: string | null;
    areaType: string | null;
    monthlyIncome: number | null;
    members: Member[];
  } | null;
  subject: {
    name: string;
    idNumberMasked: string | null;
    address: string | null;
    village: string | null;
  } | null;
  reason: string | null;
  visits: Visit[];
  events: TaskEvent[];
  alerts: ExplainedAlert[];
  allowedActions: string[];
}

export interface Town {
  id: number;
  name: string;
}

export interface UserView {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  town: string | null;
  active: boolean;
}

export interface TownSummary {
  townId: number;
  town: string;
  open: number;
  overdue: number;
  pendingApproval: number;
  paperworkDue: number;
  paperworkOverdue: number;
}

export interface ImportView {
  importId: number;
  feed: string;
  period: string;
  fileName: string;
  status: string;
  errorCode: string | null;
  rowsRead: number | null;
  rowsAccepted: number | null;
  rowsRejected: number | null;
  rowsDuplicate: number | null;
  replacesImportId: number | null;
  requestedBy: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface ImportReport {
  importId: number;
  feed: string;
  period: string;
  fileName: string;
  status: string;
  error: { code: string; message: string } | null;
  format: string | null;
  encoding: string | null;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  delta: { previousImportId: number | null; new: number | null; changed: number | null; gone: number | null };
  rejectsByReason: Array<{
    reason: string;
    rows: number;
    examples: Array<{ rowNo: number; column: string | null; value: string | null; message: string }>;
  }>;
  matchedByMethod: Record<string, number>;
  reviewsOpen: number;
  signalsByCode: Record<string, number>;
  /** Its signals withdrawn since (a replaced file's: what the corrected file no longer raises). */
  signalsWithdrawn?: number;
  replaced?: { replacedImportId: number; signalsWithdrawn: number } | null;
  alertsRaised: number;
  warnings?: Array<string | { code?: string; message: string }>;
}

export interface MaskedPerson {
  idMasked: string | null;
  nameMasked: string;
  birthDate: string | null;
  gender: string | null;
  town: string | null;
}

export interface ReviewItem {
  reviewId: number;
  importId: number;
  rowNo: number;
  feed: string;
  period: string;
  kind: 'REVIEW' | 'CONFLICT';
  status: 'OPEN' | 'ACCEPTED' | 'REJECTED' | 'SUPERSEDED';
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  chosenPersonId: number | null;
  row: MaskedPerson & { idStatus: string };
  candidates: Array<
    MaskedPerson & {
      personId: number;
      score: number;
      kind: string;
      householdNo: string | null;
      village: string | null;
      address: string | null;
      relation: string | null;
      active: boolean;
    }
  >;
}

export interface ReviewCounts {
  total: number;
  byFeed: Array<{ feed: string; open: number }>;
  byImport: Array<{ importId: number; feed: string; period: string; fileName: string; open: number }>;
}

/** POST /reviews/:id/reveal: full values, audited. */
export interface RevealedReview {
  reviewId: number;
  row: { idNumber: string | null; name: string | null };
  candidates: Array<{ personId: number; idNumber: string | null; name: string | null }>;
}
