// One task as the caseworker works it: the queue's summary, the household to find (address,
// village, members with masked ID numbers), or the person of a hand-opened case, the visits, the
// history, and the actions the caller may take now. Alerts are explained by the pipeline's
// explainer (the caller adds them: `alertIdsOf`).
import type { Kysely } from 'kysely';
import { maskIdNumber } from '@ew/core';
import type { DB, Relation } from '@ew/db';
import { allowedActions, stateOf } from './actions.ts';
import type { Actor } from './actor.ts';
import { CaseworkError } from './errors.ts';
import { scopedTasks, summaryOf, type TaskSummary } from './queue.ts';
import { ageOn, isoDateInShanghai } from './time.ts';
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
  alertIds: number[];
  allowedActions: UserAction[];
}

export async function taskDetail(db: Kysely<DB>, actor: Actor, taskId: number): Promise<TaskDetail> {
  const row = await scopedTasks(db, actor)
    .select([
      't.reason',
      't.subject_name as full_subject_name',
      't.subject_id_number',
      't.subject_address',
      't.subject_village',
      't.paperwork_done_at',
    ])
    .where('t.id', '=', taskId)
    .executeTakeFirst();
  if (row === undefined) throw new CaseworkError('NOT_FOUND', `no task ${taskId}`);
  const today = isoDateInShanghai(new Date());
  const [household, members, visits, events, alerts] = await Promise.all([
    row.household_id === null
      ? undefined
      : db
          .selectFrom('households')
          .select(['household_no', 'address', 'village', 'area_type', 'monthly_income', 'assistance_status'])
          .where('id', '=', row.household_id)
          .executeTakeFirst(),
    row.household_id === null
      ? []
      : db
          .selectFrom('persons')
          .select(['id', 'name', 'relation', 'gender', 'birth_date', 'id_number'])
          .where('household_id', '=', row.household_id)
          .where('active', '=', true)
          .orderBy((eb) => eb.case().when('relation', '=', 'HEAD').then(0).else(1).end())
          .orderBy('id')
          .execute(),
    db
      .selectFrom('task_visits as v')
      .leftJoin('users as u', 'u.id', 'v.visited_by')
      .select(['v.id', 'v.visited_on', 'u.display_name', 'v.met', 'v.verified', 'v.notes', 'v.created_at'])
      .where('v.task_id', '=', taskId)
      .orderBy('v.visited_on')
      .orderBy('v.id')
      .execute(),
    db
      .selectFrom('task_events')
      .select(['id', 'action', 'from_status', 'to_status', 'actor', 'at', 'note', 'detail'])
      .where('task_id', '=', taskId)
      .orderBy('at')
      .orderBy('id')
      .execute(),
    db.selectFrom('alerts').select('id').where('task_id', '=', taskId).orderBy('id').execute(),
  ]);
  return {
    ...summaryOf(row),
    household:
      household === undefined
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
      createdAt: v.created_at,
    })),
    events: events.map((e) => ({
      id: e.id,
      action: e.action,
      from: e.from_status,
      to: e.to_status,
      actor: e.actor,
      at: e.at,
      note: e.note,
      detail: e.detail,
    })),
    alertIds: alerts.map((a) => a.id),
    allowedActions: allowedActions(actor, stateOf(row)),
  };
}
