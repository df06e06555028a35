// One task as the caseworker works it: the queue's summary, the household to find (address,
// village, members with masked ID numbers), or the person of a hand-opened case, the visits, the
// history, and the actions the caller may take now. Alerts are explained by the pipeline's
// explainer (the caller adds them: explainTaskAlerts).
import type { Kysely } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { maskIdNumber } from '@ew/core';
import type { DB, Relation } from '@ew/db';
import { allowedActions, stateOf } from './actions.ts';
import type { Actor } from './actor.ts';
import { CaseworkError } from './errors.ts';
import { scopedTasks, summaryOf, type TaskSummary } from './queue.ts';
import { ageOn, isoDateInShanghai, nextMidnightInShanghai } from './time.ts';
import type { UserAction } from './workflow.ts';

export interface Member {
  personId: number;
  /** In full: the caseworker of the town must be able to find the people (domain §5). */
  name: string;
  relation: Relation;
  sex: 'M' | 'F' | null;
  age: number | null;
  idNumberMasked: string;
}

export interface TaskDetail extends TaskSummary {
  household: {
    householdNo: string;
    address: string | null;
    village: string | null;
    areaType: 'URBAN' | 'RURAL';
    monthlyIncome: number | null;
    assistanceStatus: string;
    members: Member[];
  } | null;
  subject: {
    name: string;
    idNumberMasked: string | null;
    address: string | null;
    village: string | null;
  } | null;
  reason: string | null;
  visits: Array<{
    id: number;
    visitedOn: string;
    visitedBy: string | null;
    met: string;
    verified: Record<string, string>;
    notes: string | null;
    createdAt: Date;
  }>;
  events: Array<{
    id: number;
    action: string;
    from: string | null;
    to: string;
    actor: string;
    at: Date;
    note: string | null;
    detail: Record<string, unknown>;
  }>;
  allowedActions: UserAction[];
}

/**
 * The task page in one statement: the task's summary row with its household, members, visits and
 * history as JSON (timestamps there are text, read back below). One round trip instead of six
 * under load (bench api).
 */
export async function taskDetail(db: Kysely<DB>, actor: Actor, taskId: number): Promise<TaskDetail> {
  const row = await scopedTasks(db, actor)
    .select((eb) => [
      't.reason',
      't.subject_name as full_subject_name',
      't.subject_id_number',
      't.subject_address',
      't.subject_village',
      't.paperwork_done_at',
      jsonObjectFrom(
        eb
          .selectFrom('households as hh')
          .select([
            'hh.household_no',
            'hh.address',
            'hh.village',
            'hh.area_type',
            'hh.monthly_income',
            'hh.assistance_status',
          ])
          .whereRef('hh.id', '=', 't.household_id'),
      ).as('household'),
      jsonArrayFrom(
        eb
          .selectFrom('persons as p')
          .select(['p.id', 'p.name', 'p.relation', 'p.gender', 'p.birth_date', 'p.id_number'])
          .whereRef('p.household_id', '=', 't.household_id')
          .where('p.active', '=', true)
          .orderBy((o) => o.case().when('p.relation', '=', 'HEAD').then(0).else(1).end())
          .orderBy('p.id'),
      ).as('members'),
      jsonArrayFrom(
        eb
          .selectFrom('task_visits as v')
          .leftJoin('users as vu', 'vu.id', 'v.visited_by')
          .select([
            'v.id',
            'v.visited_on',
            'vu.display_name',
            'v.met',
            'v.verified',
            'v.notes',
            'v.created_at',
          ])
          .whereRef('v.task_id', '=', 't.id')
          .orderBy('v.visited_on')
          .orderBy('v.id'),
      ).as('visits'),
      jsonArrayFrom(
        eb
          .selectFrom('task_events as e')
          .select([
            'e.id',
            'e.action',
            'e.from_status',
            'e.to_status',
            'e.actor',
            'e.at',
            'e.note',
            'e.detail',
          ])
          .whereRef('e.task_id', '=', 't.id')
          .orderBy('e.at')
          .orderBy('e.id'),
      ).as('events'),
    ])
    .where('t.id', '=', taskId)
    .executeTakeFirst();
  if (row === undefined) throw new CaseworkError('NOT_FOUND', `no task ${taskId}`);
  const today = isoDateInShanghai(new Date());
  const { household, members, visits, events } = row;
  return {
    ...summaryOf(row),
    household:
      household === null
        ? null
        : {
            householdNo: household.household_no,
            address: household.address,
            village: household.village,
            areaType: household.area_type,
            monthlyIncome: household.monthly_income,
            assistanceStatus: household.assistance_status,
            members: members.map((m) => ({
              personId: m.id,
              name: m.name,
              relation: m.relation,
              sex: m.gender,
              age: m.birth_date === null ? null : ageOn(m.birth_date, today),
              idNumberMasked: maskIdNumber(m.id_number),
            })),
          },
    subject:
      row.full_subject_name === null
        ? null
        : {
            name: row.full_subject_name,
            idNumberMasked: row.subject_id_number === null ? null : maskIdNumber(row.subject_id_number),
            address: row.subject_address,
            village: row.subject_village,
          },
    reason: row.reason,
    visits: visits.map((v) => ({
      id: v.id,
      visitedOn: v.visited_on,
      visitedBy: v.display_name,
      met: v.met,
      verified: v.verified,
      notes: v.notes,
      createdAt: new Date(v.created_at),
    })),
    events: events.map((e) => ({
      id: e.id,
      action: e.action,
      from: e.from_status,
      to: e.to_status,
      actor: e.actor,
      at: new Date(e.at),
      note: e.note,
      detail: e.detail,
    })),
    allowedActions: allowedActions(actor, stateOf(row)),
  };
}

/**
 * The next moment what `detail` shows changes without any write: its deadline or its paperwork's
 * passing (overdue flags), or midnight in Shanghai (members' ages). After `now`.
 */
export function detailChangesAt(detail: TaskDetail, now: Date): Date {
  const midnight = nextMidnightInShanghai(now);
  const ahead = [detail.dueAt, detail.paperworkDueAt].filter(
    (at): at is Date => at !== null && at.getTime() > now.getTime(),
  );
  return new Date(Math.min(midnight.getTime(), ...ahead.map((at) => at.getTime())));
}
