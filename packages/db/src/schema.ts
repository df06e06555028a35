// Row types for every table: the one source of truth kysely checks queries against.
import type { ColumnType, Generated, GeneratedAlways, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A `date` column: read as 'YYYY-MM-DD' (see the type parser in connection.ts). */
type DateOnly = ColumnType<string, string, string>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export type AreaType = 'URBAN' | 'RURAL';
export type AssistanceStatus = 'DIBAO' | 'TEKUN' | 'MARGINAL' | 'MONITORED' | 'NONE';
export type Relation = 'HEAD' | 'SPOUSE' | 'CHILD' | 'PARENT' | 'OTHER';
export type Gender = 'M' | 'F';
export type Severity = 'low' | 'medium' | 'high';
export type ImportStatus =
  'QUEUED' | 'STAGING' | 'STAGED' | 'MATCHING' | 'MATCHED' | 'EVALUATED' | 'REFUSED' | 'FAILED' | 'REPLACED';
export type MatchMethod = 'ID' | 'FALLBACK' | 'MANUAL' | 'REVIEW' | 'CONFLICT' | 'OUTSIDE' | 'UNMATCHED';
/** Where a task rests (T0016). TRANSFERRED appears in events only: a transfer lands at NEW in the receiving town. */
export type TaskStatus = 'NEW' | 'ASSIGNED' | 'IN_PROGRESS' | 'PENDING_APPROVAL' | 'CLOSED';
/** A status as task events record it: a resting state, or the moment of a transfer. */
export type TaskEventStatus = TaskStatus | 'TRANSFERRED';
/** How a task came to be (T0016): raised by the pipeline, or opened by hand (一门受理). */
export type TaskSource = 'ALERT' | 'WALK_IN' | 'VILLAGE_REPORT' | 'PHONE' | 'OTHER';
export type TaskOutcome =
  | 'INCLUDED_MARGINAL'
  | 'REFERRED_DIBAO'
  | 'TEMP_AID_EMERGENCY'
  | 'TEMP_AID_EXPENSE'
  | 'CASE_BY_CASE'
  | 'NOT_ELIGIBLE'
  | 'NOT_FOUND';
export type RegisterEventKind =
  | 'PERSON_ADDED'
  | 'PERSON_REMOVED'
  | 'PERSON_MOVED'
  | 'HOUSEHOLD_ADDED'
  | 'HOUSEHOLD_REMOVED'
  | 'STATUS_CHANGED'
  | 'INCOME_CHANGED';
export type UserRole = 'ADMIN' | 'DATA_ADMIN' | 'SUPERVISOR' | 'CASEWORKER' | 'OPS';

export interface TownTable {
  id: Generated<number>;
  name: string;
  created_at: Generated<Date>;
}

export interface RegisterSnapshotTable {
  id: Generated<number>;
  file_sha256: string;
  file_name: string;
  encoding: string | null;
  /** The extract's as-of date; register rules are judged as of it (null: the day applied). */
  as_of: DateOnly | null;
  status: 'LOADING' | 'APPLIED' | 'REFUSED';
  rows_read: Generated<number>;
  rows_accepted: Generated<number>;
  rows_rejected: Generated<number>;
  households: Generated<number>;
  persons: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  /** T0019: header notes (columns ignored, optional fields absent, fields derived). */
  warnings: ColumnType<StoredFileWarning[], string | undefined, string>;
  created_at: Generated<Date>;
  applied_at: Timestamp | null;
}

export interface RejectColumns {
  row_no: number;
  field: string;
  column_name: string | null;
  reason: string;
  value_masked: string | null;
  message: string;
}
export interface RegisterRejectTable extends RejectColumns {
  snapshot_id: number;
}
export interface ImportRejectTable extends RejectColumns {
  import_id: number;
}

export interface HouseholdTable {
  id: Generated<number>;
  household_no: string;
  town_id: number;
  village: string | null;
  area_type: AreaType;
  address: string | null;
  monthly_income: number | null;
  assistance_status: AssistanceStatus;
  refused_before: Generated<boolean>;
  refused_on: DateOnly | null;
  member_count: Generated<number>;
  active: Generated<boolean>;
  snapshot_id: number | null;
  updated_at: Generated<Date>;
}

export interface PersonTable {
  id: Generated<number>;
  id_number: string;
  name: string;
  name_norm: string;
  name_pinyin: string;
  gender: Gender | null;
  birth_date: DateOnly | null;
  household_id: number;
  relation: Relation;
  active: Generated<boolean>;
  snapshot_id: number | null;
  updated_at: Generated<Date>;
}

export interface RegisterEventTable {
  id: Generated<number>;
  snapshot_id: number;
  kind: RegisterEventKind;
  person_id: number | null;
  household_id: number | null;
  detail: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface ImportTable {
  id: Generated<number>;
  feed: string;
  period: DateOnly;
  file_sha256: string;
  file_name: string;
  stored_path: string;
  format: string | null;
  encoding: string | null;
  status: ImportStatus;
  error_code: string | null;
  error_message: string | null;
  rows_read: Generated<number>;
  rows_accepted: Generated<number>;
  rows_rejected: Generated<number>;
  rows_duplicate: Generated<number>;
  rows_new: number | null;
  rows_changed: number | null;
  rows_gone: number | null;
  previous_import_id: number | null;
  replaces_import_id: number | null;
  requested_by: string | null;
  /** T0019: header notes (columns ignored, optional fields absent, fields derived). */
  warnings: ColumnType<StoredFileWarning[], string | undefined, string>;
  created_at: Generated<Date>;
  started_at: Timestamp | null;
  staged_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface StagedRowTable {
  import_id: number;
  row_no: number;
  id_number: string | null;
  id_status: string;
  name: string | null;
  name_norm: string | null;
  birth_date: DateOnly | null;
  gender: Gender | null;
  town: string | null;
  row_key: string;
  /**
   * A 64-bit hash of what the row says, computed by Postgres (a generated column: never written).
   * Compare it in SQL: read into JS (int8 → number) it loses its low bits.
   */
  row_hash: ColumnType<number, never, never>;
  duplicate_of: number | null;
  /** Against the feed's previous delivery (null = new); rules fire on new and CHANGED rows. */
  delta: 'NEW' | 'CHANGED' | 'SAME' | null;
  payload: Json<Record<string, unknown>>;
}

export interface MatchTable {
  import_id: number;
  row_no: number;
  person_id: number | null;
  method: MatchMethod;
  score: number | null;
  evidence: Json<Record<string, unknown>>;
  matched_at: Generated<Date>;
}

export interface MatchReviewTable {
  id: Generated<number>;
  import_id: number;
  row_no: number;
  kind: 'REVIEW' | 'CONFLICT';
  candidates: Json<Array<{ personId: number; score: number; kind: string }>>;
  /** SUPERSEDED (T0019): its import was replaced before the review was decided. */
  status: Generated<ReviewStatus>;
  chosen_person_id: number | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  created_at: Generated<Date>;
  /** T0019: the earlier review (same source row, earlier period) whose decision this one reused. */
  reused_from_review_id: number | null;
}

export type ReviewStatus = 'OPEN' | 'ACCEPTED' | 'REJECTED' | 'SUPERSEDED';

/** A header note stored with an import or snapshot (T0019), as @ew/ingest's FileWarning. */
export interface StoredFileWarning {
  code: string;
  message: string;
  columns?: readonly string[];
  fields?: readonly string[];
}

export interface UserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  role: UserRole;
  town_id: number | null;
  token_sha256: string | null;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  /** scrypt or argon2id PHC string (T0016); null: this user has no password (a token-only machine user). */
  password_hash: string | null;
  password_changed_at: Timestamp | null;
  /** The last successful password sign-in (T0018). */
  last_login_at: Timestamp | null;
}

export interface TaskTable {
  id: Generated<number>;
  /** Null for a hand-opened case of a person outside the register (subject_* then say who). */
  household_id: number | null;
  town_id: number;
  status: TaskStatus;
  severity: Severity;
  assigned_to: number | null;
  due_at: Timestamp;
  outcome: TaskOutcome | null;
  aid_amount: number | null;
  paperwork_due_at: Timestamp | null;
  approved_by: number | null;
  approved_at: Timestamp | null;
  created_at: Generated<Date>;
  closed_at: Timestamp | null;
  source: Generated<TaskSource>;
  /** Why a hand-opened case was opened (一门受理: the applicant's words, the committee's report). */
  reason: string | null;
  subject_name: string | null;
  subject_id_number: string | null;
  subject_address: string | null;
  subject_village: string | null;
  created_by: number | null;
  /** +1 on every transition: a client acting on a stale view gets 409. */
  version: Generated<number>;
  paperwork_done_at: Timestamp | null;
  /** The distinct rule codes of the task's signals (T0017, kept by raise-alerts). */
  codes: Generated<string[]>;
  /** How many of its signals were withdrawn (T0021, kept by a trigger on signals). */
  signals_withdrawn: Generated<number>;
  /** −(severity rank × 100 + number of codes): the queue's ascending key (T0017, generated). */
  queue_order: GeneratedAlways<number>;
  overdue_noted_at: Timestamp | null;
  paperwork_overdue_noted_at: Timestamp | null;
}

export interface TaskEventTable {
  id: Generated<number>;
  task_id: number;
  from_status: TaskEventStatus | null;
  to_status: TaskEventStatus;
  /** The verb of the transition (open, signals_attached, claim, assign, close, …). */
  action: string;
  actor: string;
  /** The signed-in user; null for the system. */
  actor_user_id: number | null;
  /** The task's town from this event on, where the event sets or changes it (open, transfer); else null. */
  town_id: number | null;
  note: string | null;
  detail: Json<Record<string, unknown>>;
  at: Generated<Date>;
  /** detail.dueAt as a timestamp, computed by Postgres (a generated column, T0020: never written). */
  due_at: ColumnType<Date | null, never, never>;
}

/** A visit recorded by a caseworker (走访核查). */
export interface TaskVisitTable {
  id: Generated<number>;
  task_id: number;
  visited_on: DateOnly;
  visited_by: number | null;
  /** Who was met: free text that may hold a name, never logged. */
  met: string;
  verified: Json<Record<string, string>>;
  notes: string | null;
  created_at: Generated<Date>;
}

export interface AlertTable {
  id: Generated<number>;
  household_id: number;
  task_id: number | null;
  severity: Severity;
  status: Generated<'OPEN' | 'CLOSED' | 'SUPPRESSED'>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Why it has its severity (base, compound codes, prior refusal); migration T0004. */
  severity_basis: Generated<Json<Record<string, unknown>>>;
}

export interface SignalTable {
  id: Generated<number>;
  feed: string;
  person_id: number | null;
  household_id: number;
  code: string;
  source_period: DateOnly;
  severity: Severity;
  import_id: number | null;
  row_no: number | null;
  evidence: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  /** T0019: set when the signal stopped being true (e.g. a new low-income standard). */
  superseded_at: Timestamp | null;
  superseded_reason: string | null;
}

/** Which alert a signal is grouped into (a signal without a row here is not raised yet). */
export interface AlertSignalTable {
  signal_id: number;
  alert_id: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  detail: Json<Record<string, unknown>>;
  at: Generated<Date>;
  actor_user_id: number | null;
}

/** A signed-in browser (T0018). `id` is the sha256 (hex) of the cookie token; the token itself is never stored. */
export interface SessionTable {
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  /** Absolute expiry, fixed at sign-in. */
  expires_at: Timestamp;
}

/** One failed sign-in (T0018), counted per username for throttling. */
export interface LoginFailureTable {
  id: Generated<number>;
  username: string;
  ip: string | null;
  at: Generated<Date>;
}

export interface OutboxTable {
  id: Generated<number>;
  queue: string;
  job_name: string;
  job_id: string;
  payload: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  dispatched_at: Timestamp | null;
  /** Set when a worker ran the job to its end (completed, or failed for good). */
  finished_at: Timestamp | null;
}

/** One statement that changed what the API's cached responses show (T0022, read-changes.ts). */
export interface ReadChangeTable {
  id: GeneratedAlways<string>;
  /** The town whose tasks changed; null: any town (the register, users, alerts, signals, imports). */
  town_id: number | null;
  /** The writing transaction (xid8, as text). */
  xid: Generated<string>;
  noted_at: Generated<Date>;
  settled_at: Timestamp | null;
}

export interface ImportChunkTable {
  import_id: number;
  stage: 'match' | 'evaluate' | 'alerts';
  chunk: number;
  /** Row range [row_from, row_to) of match and evaluate chunks; null for alerts (a household bucket). */
  row_from: number | null;
  row_to: number | null;
  done_at: Timestamp | null;
}

/** A register-wide rule evaluation that ran (migration T0004). */
export interface RuleRunTable {
  kind: 'STANDARD_CHANGE' | 'REGISTER_INCOME';
  run_key: string;
  signals: Generated<number>;
  detail: Generated<Json<Record<string, unknown>>>;
  ran_at: Generated<Date>;
}

/** The statistics table of an ended period as the scheduler filed it (migration T0020). */
export interface ReportRunTable {
  period: string;
  period_from: Timestamp;
  period_to: Timestamp;
  stats: Json<Record<string, unknown>>;
  computed_by: string;
  computed_at: Generated<Date>;
}

export interface InstallationTable {
  singleton: Generated<boolean>;
  id: string;
  created_at: Generated<Date>;
}

export interface DB {
  installation: InstallationTable;
  import_chunks: ImportChunkTable;
  rule_runs: RuleRunTable;
  report_runs: ReportRunTable;
  towns: TownTable;
  register_snapshots: RegisterSnapshotTable;
  register_rejects: RegisterRejectTable;
  households: HouseholdTable;
  persons: PersonTable;
  register_events: RegisterEventTable;
  imports: ImportTable;
  staged_rows: StagedRowTable;
  import_rejects: ImportRejectTable;
  matches: MatchTable;
  match_reviews: MatchReviewTable;
  users: UserTable;
  tasks: TaskTable;
  task_events: TaskEventTable;
  task_visits: TaskVisitTable;
  alerts: AlertTable;
  signals: SignalTable;
  alert_signals: AlertSignalTable;
  audit_log: AuditLogTable;
  sessions: SessionTable;
  login_failures: LoginFailureTable;
  outbox: OutboxTable;
  read_changes: ReadChangeTable;
}

export type Household = Selectable<HouseholdTable>;
export type Person = Selectable<PersonTable>;
export type Import = Selectable<ImportTable>;
export type NewImport = Insertable<ImportTable>;
