// Explainable alerts (domain §3, §4): an alert with its signals, each with its rule code, the
// values and thresholds the rule used, and where it came from — the feed file, row and match
// method (and score), or the register event (snapshot, standard change). Identities are masked
// (ID number: first 6 + last 4; name: surname only), as everywhere outside the register itself.
// A withdrawn signal (no longer true) is listed with when and why it was withdrawn.
import type { Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { maskIdNumber, maskName } from '@ew/core';
import type { DB, Severity } from '@ew/db';
import { RULE_CATALOGUE } from '../rules/registry.ts';
import type { RuleCode } from '../rules/rule.ts';

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
  /** When the rule fires, in the words of domain §4. */
  rule: string | null;
  severity: Severity;
  sourcePeriod: string;
  person: { idNumber: string; name: string } | null;
  values: Record<string, unknown>;
  thresholds: Record<string, unknown>;
  /** Register rules: the household's state before the change that raised it. */
  before: Record<string, unknown> | null;
  source: SignalSource;
  createdAt: Date;
  /**
   * Set when the signal was withdrawn (no longer true: a new standard, a corrected file; see
   * withdraw-signals.ts): the task page tags it 已撤销 with the reason, never as current evidence.
   */
  superseded: { at: Date; reason: string | null } | null;
}

export interface ExplainedAlert {
  id: number;
  householdId: number;
  householdNo: string;
  town: string;
  severity: Severity;
  status: 'OPEN' | 'CLOSED' | 'SUPPRESSED';
  /** Base severity, compound codes, prior refusal (see alerts/severity.ts). */
  severityBasis: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  task: { id: number; status: string; severity: Severity; dueAt: Date; outcome: string | null } | null;
  signals: ExplainedSignal[];
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number'
    ? v
    : typeof v === 'string' && v !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : null;
}

/**
 * Alerts with their signals, one statement: each row carries its signals as a JSON array (timestamps
 * there are text, read back by `toExplained`).
 */
function explainedAlerts(db: Kysely<DB>) {
  return db
    .selectFrom('alerts')
    .innerJoin('households', 'households.id', 'alerts.household_id')
    .innerJoin('towns', 'towns.id', 'households.town_id')
    .leftJoin('tasks', 'tasks.id', 'alerts.task_id')
    .select((eb) => [
      'alerts.id',
      'alerts.household_id',
      'households.household_no',
      'towns.name as town',
      'alerts.severity',
      'alerts.status',
      'alerts.severity_basis',
      'alerts.created_at',
      'alerts.updated_at',
      'tasks.id as task_id',
      'tasks.status as task_status',
      'tasks.severity as task_severity',
      'tasks.due_at as task_due_at',
      'tasks.outcome as task_outcome',
      jsonArrayFrom(
        eb
          .selectFrom('alert_signals')
          .innerJoin('signals', 'signals.id', 'alert_signals.signal_id')
          .leftJoin('persons', 'persons.id', 'signals.person_id')
          .leftJoin('imports', 'imports.id', 'signals.import_id')
          .select([
            'signals.id',
            'signals.code',
            'signals.feed',
            'signals.severity',
            'signals.source_period',
            'signals.import_id',
            'signals.row_no',
            'signals.evidence',
            'signals.created_at',
            'signals.superseded_at',
            'signals.superseded_reason',
            'persons.id_number',
            'persons.name',
            'imports.file_name',
          ])
          .whereRef('alert_signals.alert_id', '=', 'alerts.id')
          .orderBy('signals.source_period')
          .orderBy('signals.id'),
      ).as('signals'),
    ]);
}

type AlertRow = Awaited<ReturnType<ReturnType<typeof explainedAlerts>['execute']>>[number];

export async function explainAlert(db: Kysely<DB>, alertId: number): Promise<ExplainedAlert | null> {
  const alert = await explainedAlerts(db).where('alerts.id', '=', alertId).executeTakeFirst();
  return alert === undefined ? null : toExplained(alert);
}

/** Every alert of a task, explained, oldest first (the task page). */
export async function explainTaskAlerts(db: Kysely<DB>, taskId: number): Promise<ExplainedAlert[]> {
  const alerts = await explainedAlerts(db)
    .where('alerts.task_id', '=', taskId)
    .orderBy('alerts.id')
    .execute();
  return alerts.map(toExplained);
}

function toExplained(alert: AlertRow): ExplainedAlert {
  return {
    id: alert.id,
    householdId: alert.household_id,
    householdNo: alert.household_no,
    town: alert.town,
    severity: alert.severity,
    status: alert.status,
    severityBasis: record(alert.severity_basis),
    createdAt: alert.created_at,
    updatedAt: alert.updated_at,
    task:
      alert.task_id === null ||
      alert.task_status === null ||
      alert.task_severity === null ||
      alert.task_due_at === null
        ? null
        : {
            id: alert.task_id,
            status: alert.task_status,
            severity: alert.task_severity,
            dueAt: alert.task_due_at,
            outcome: alert.task_outcome,
          },
    signals: alert.signals.map((s): ExplainedSignal => {
      const evidence = record(s.evidence);
      const source = record(evidence.source);
      return {
        id: s.id,
        code: s.code,
        rule: RULE_CATALOGUE.get(s.code as RuleCode)?.when ?? null,
        severity: s.severity,
        sourcePeriod: s.source_period,
        person:
          s.id_number === null ? null : { idNumber: maskIdNumber(s.id_number), name: maskName(s.name ?? '') },
        values: record(evidence.values),
        thresholds: record(evidence.thresholds),
        before: evidence.before === undefined || evidence.before === null ? null : record(evidence.before),
        source:
          s.feed === 'register'
            ? {
                kind: 'register',
                trigger: typeof source.trigger === 'string' ? source.trigger : null,
                detail: source,
              }
            : {
                kind: 'feed',
                feed: s.feed,
                importId: s.import_id,
                fileName: s.file_name,
                period: s.source_period,
                rowNo: s.row_no,
                matchMethod: typeof source.matchMethod === 'string' ? source.matchMethod : null,
                matchScore: numberOrNull(source.matchScore),
              },
        createdAt: new Date(s.created_at),
        superseded:
          s.superseded_at === null ? null : { at: new Date(s.superseded_at), reason: s.superseded_reason },
      };
    }),
  };
}
