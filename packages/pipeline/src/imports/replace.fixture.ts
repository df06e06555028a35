// For the --replace tests (test code only): a small register written directly, HR files about its
// people, and a driver that runs an import's jobs from the outbox in this process, in the order
// the test chooses (so that "the replacement arrives while the first import runs" is
// deterministic).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { QueueName } from '@ew/queue';
import type { TestApp } from '../../../../test/harness/app.ts';
import { handlers } from '../handlers.ts';
import { addHousehold } from '../rules/rules.fixture.ts';
import type { Handler } from '../runtime.ts';
import { markRegisterApplied } from './imports.fixture.ts';
import { requestImport } from './request-import.ts';

export const HR_HEADER = '公民身份号码,姓名,业务类型,业务日期,月收入';

/** One register person an HR row can name: ID number and name as the register has them. */
export interface Registered {
  householdId: number;
  personId: number;
  idNumber: string;
  name: string;
}

/** Households of one or more members (birth dates), all URBAN, income 5,000, status NONE. */
export async function registerHouseholds(app: TestApp, members: string[][]): Promise<Registered[][]> {
  const db = app.ctx.database.db;
  await markRegisterApplied(db);
  const out: Registered[][] = [];
  for (const births of members) {
    const h = await addHousehold(db, { members: births });
    const persons = await db
      .selectFrom('persons')
      .select(['id', 'id_number', 'name'])
      .where('household_id', '=', h.householdId)
      .orderBy('id')
      .execute();
    out.push(
      persons.map((p) => ({
        householdId: h.householdId,
        personId: p.id,
        idNumber: p.id_number,
        name: p.name,
      })),
    );
  }
  return out;
}

export function hrLine(p: Registered, event: string, date: string, income = ''): string {
  return `${p.idNumber},${p.name},${event},${date},${income}`;
}

export async function requestHr(
  app: TestApp,
  name: string,
  lines: string[],
  replace = false,
  options: { bom?: boolean } = {},
): Promise<Awaited<ReturnType<typeof requestImport>>> {
  const path = join(app.dir, name);
  await writeFile(path, (options.bom === true ? '\uFEFF' : '') + [HR_HEADER, ...lines].join('\n') + '\n');
  return requestImport(app.ctx, { feed: 'hr', period: '2023-03', file: path, replace, requestedBy: 'test' });
}

export function queuedId(result: Awaited<ReturnType<typeof requestImport>>): number {
  if (result.outcome !== 'QUEUED') throw new Error(`not queued: ${result.outcome}`);
  return result.importId;
}

const ran = new WeakMap<TestApp, Set<number>>();

/**
 * Runs, in outbox order, the recorded jobs of `queues` for one import that have not run yet, and
 * the jobs they record in turn, until none is left (or `only` says stop after one round).
 */
export async function drain(
  app: TestApp,
  importId: number,
  queues: readonly QueueName[],
  options: { oneRound?: boolean } = {},
): Promise<number> {
  const done = ran.get(app) ?? new Set<number>();
  ran.set(app, done);
  let count = 0;
  for (;;) {
    const rows = await app.ctx.database.db
      .selectFrom('outbox')
      .select(['id', 'queue', 'payload'])
      .where('queue', 'in', [...queues])
      .where(sql<boolean>`(payload->>'importId')::bigint = ${importId}::bigint`)
      .orderBy('id')
      .execute();
    const todo = rows.filter((r) => !done.has(r.id));
    if (todo.length === 0) return count;
    for (const row of todo) {
      done.add(row.id);
      const handler = handlers[row.queue as QueueName] as Handler<QueueName>;
      await handler(app.ctx, row.payload as never, { reportProgress: async () => undefined });
      count++;
    }
    if (options.oneRound === true) return count;
  }
}

/** Every signal, with whether it is live, its import and its alert's task. */
export async function signalStates(app: TestApp) {
  const { rows } = await sql<{
    id: number;
    household_id: number;
    person_id: number | null;
    code: string;
    import_id: number | null;
    row_no: number | null;
    withdrawn: boolean;
    reason: string | null;
    task_id: number | null;
  }>`
    select s.id::int, s.household_id::int, s.person_id::int, s.code, s.import_id::int, s.row_no,
           s.superseded_at is not null as withdrawn, s.superseded_reason as reason, a.task_id::int
      from signals s
      left join alert_signals l on l.signal_id = s.id
      left join alerts a on a.id = l.alert_id
     order by s.id`.execute(app.ctx.database.db);
  return rows;
}

export async function withdrawnEvents(app: TestApp) {
  return app.ctx.database.db
    .selectFrom('task_events')
    .select(['task_id', 'from_status', 'to_status', 'actor', 'note', 'detail'])
    .where('action', '=', 'signals_withdrawn')
    .orderBy('id')
    .execute();
}
