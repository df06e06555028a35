// The task workflow of domain §5 as ONE table: for every action, the states it may start from,
// where it leads, and who may take it. The API's routes, the `allowedActions` a task shows, the
// CLI and the tests all read this table; nothing else decides whether a transition is allowed.
//
//   NEW 待受理 ─claim/assign─► ASSIGNED 已分办 ─start_visit─► IN_PROGRESS 走访核查中 ─close─► CLOSED 已办结
//                                                                   │  ▲
//                                                    close 一事一议 ▼  │ return
//                                                           PENDING_APPROVAL 待审批 ─approve─► CLOSED
//   transfer 转办 (NEW | ASSIGNED | IN_PROGRESS): X → TRANSFERRED → NEW in the receiving town
//
// Who:
//   town_caseworker  a caseworker of the task's town
//   assignee         the caseworker the task is assigned to
//   supervisor       a supervisor (all towns)
//   system           the pipeline (open, signals_attached, signals_withdrawn) and the scheduler (overdue)
import type { TaskEventStatus, TaskOutcome, TaskStatus } from '@ew/db';

export type Who = 'town_caseworker' | 'assignee' | 'supervisor' | 'system';

export interface Transition {
  from: readonly (TaskStatus | null)[];
  /** Where it leads; `close` leads to PENDING_APPROVAL for a case-by-case outcome (see closeTarget). */
  to: TaskStatus | 'same';
  who: readonly Who[];
}

export const TRANSITIONS = {
  open: { from: [null], to: 'NEW', who: ['system'] },
  signals_attached: {
    from: ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_APPROVAL'],
    to: 'same',
    who: ['system'],
  },
  // signals of the task found no longer true (a new standard, a corrected file): see
  // packages/pipeline/src/alerts/withdraw-signals.ts
  signals_withdrawn: {
    from: ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_APPROVAL'],
    to: 'same',
    who: ['system'],
  },
  overdue: { from: ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_APPROVAL'], to: 'same', who: ['system'] },
  paperwork_overdue: { from: ['CLOSED'], to: 'same', who: ['system'] },
  claim: { from: ['NEW'], to: 'ASSIGNED', who: ['town_caseworker'] },
  assign: { from: ['NEW', 'ASSIGNED', 'IN_PROGRESS'], to: 'ASSIGNED', who: ['supervisor'] },
  start_visit: { from: ['ASSIGNED'], to: 'IN_PROGRESS', who: ['assignee'] },
  record_visit: { from: ['IN_PROGRESS'], to: 'same', who: ['assignee'] },
  transfer: { from: ['NEW', 'ASSIGNED', 'IN_PROGRESS'], to: 'NEW', who: ['supervisor', 'town_caseworker'] },
  close: { from: ['IN_PROGRESS'], to: 'CLOSED', who: ['assignee'] },
  approve: { from: ['PENDING_APPROVAL'], to: 'CLOSED', who: ['supervisor'] },
  return: { from: ['PENDING_APPROVAL'], to: 'IN_PROGRESS', who: ['supervisor'] },
  record_paperwork: { from: ['CLOSED'], to: 'same', who: ['assignee', 'supervisor'] },
} as const satisfies Record<string, Transition>;

export type TaskAction = keyof typeof TRANSITIONS;

/** The actions people take (the system's are written by the pipeline and the scheduler). */
export const USER_ACTIONS = (Object.keys(TRANSITIONS) as TaskAction[]).filter(
  (a) => !(TRANSITIONS[a].who as readonly Who[]).includes('system'),
);
export type UserAction = Exclude<
  TaskAction,
  'open' | 'signals_attached' | 'signals_withdrawn' | 'overdue' | 'paperwork_overdue'
>;

export const TASK_OUTCOMES = [
  'INCLUDED_MARGINAL',
  'REFERRED_DIBAO',
  'TEMP_AID_EMERGENCY',
  'TEMP_AID_EXPENSE',
  'CASE_BY_CASE',
  'NOT_ELIGIBLE',
  'NOT_FOUND',
] as const satisfies readonly TaskOutcome[];

/** Outcomes that pay aid: they carry an amount. */
export const AID_OUTCOMES: ReadonlySet<TaskOutcome> = new Set([
  'TEMP_AID_EMERGENCY',
  'TEMP_AID_EXPENSE',
  'CASE_BY_CASE',
]);

/** Outcomes that count as "the alert led to help" (domain §7). */
export const HELPED_OUTCOMES: ReadonlySet<TaskOutcome> = new Set([
  'INCLUDED_MARGINAL',
  'REFERRED_DIBAO',
  'TEMP_AID_EMERGENCY',
  'TEMP_AID_EXPENSE',
  'CASE_BY_CASE',
]);

/** 一事一议 waits for a supervisor; every other outcome closes at once. */
export function closeTarget(outcome: TaskOutcome): TaskStatus {
  return outcome === 'CASE_BY_CASE' ? 'PENDING_APPROVAL' : 'CLOSED';
}

/** The state an action leaves the task in (`same`: unchanged). */
export function targetOf(action: TaskAction, from: TaskStatus, outcome?: TaskOutcome): TaskStatus {
  if (action === 'close' && outcome !== undefined) return closeTarget(outcome);
  const to = TRANSITIONS[action].to;
  return to === 'same' ? from : to;
}

/** The event statuses of a transfer: out of the old town, then NEW in the receiving one. */
export const TRANSFER_STEPS: readonly [TaskEventStatus, TaskEventStatus] = ['TRANSFERRED', 'NEW'];
