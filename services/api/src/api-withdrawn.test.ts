// Withdrawn signals as the caseworker sees them over HTTP: the queue and the task say how many of
// its signals were withdrawn (the console's 部分信号已撤销), the task's codes are its live ones, the
// explained signal is marked withdrawn with its reason, and the history has the event.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withdrawSignals } from '@ew/pipeline/alerts/withdraw-signals';
import {
  addDelivery,
  addHousehold,
  DROPOUT_ROW,
  evaluateDelivery,
  feesRow,
} from '@ew/pipeline/rules/rules.fixture';
import { bearer, startApiTest, TOWN_A, type ApiTest } from './api.fixture.ts';

let api: ApiTest;
const db = () => api.t.ctx.database.db;
beforeAll(async () => {
  api = await startApiTest();
});
afterAll(async () => {
  await api?.close();
});

const get = (url: string) => api.app.inject({ method: 'GET', url, headers: bearer(api.tokens.cwA) });

interface Summary {
  taskId: number;
  codes: string[];
  codeCount: number;
  signalsWithdrawn: number;
}

describe('a task with withdrawn signals', () => {
  it('shows the count in the queue and the detail, the signal as withdrawn, the event in the history', async () => {
    const h = await addHousehold(db(), { town: TOWN_A, members: ['1980-01-01', '2009-01-01', '2007-01-01'] });
    const other = await addHousehold(db(), { town: TOWN_A, members: ['1980-01-01', '2009-01-01'] });
    const { importId } = await addDelivery(db(), {
      feed: 'education',
      period: '2024-03-31',
      rows: [
        { personId: h.personIds[1]!, payload: DROPOUT_ROW },
        { personId: h.personIds[2]!, payload: feesRow(20000) },
        { personId: other.personIds[1]!, payload: DROPOUT_ROW },
      ],
    });
    await evaluateDelivery(api.t.ctx, importId);
    const task = await db()
      .selectFrom('tasks')
      .select('id')
      .where('household_id', '=', h.householdId)
      .executeTakeFirstOrThrow();
    await db()
      .transaction()
      .execute((trx) =>
        withdrawSignals(
          trx,
          sql`select id from signals where household_id = ${h.householdId}::bigint and code = 'EDU_DROPOUT'`,
          {
            reason: '数据已由更正文件（第 9 批导入）替换，更正后的数据不再产生此信号',
            cause: { kind: 'TEST' },
            actor: 'test',
            subject: { type: 'import', id: 9 },
          },
        ),
      );

    const queue = (await get('/tasks')).json<{ tasks: Summary[] }>().tasks;
    expect(queue.map((t) => [t.taskId === task.id, t.signalsWithdrawn, t.codes]).sort()).toEqual(
      [
        [false, 0, ['EDU_DROPOUT']],
        [true, 1, ['EDU_EXPENSE']],
      ].sort(),
    );

    const detail = (await get(`/tasks/${task.id}`)).json<
      Summary & {
        alerts: Array<{
          signals: Array<{ code: string; superseded: { at: string; reason: string } | null }>;
        }>;
        events: Array<{ action: string; note: string | null }>;
      }
    >();
    expect(detail).toMatchObject({ signalsWithdrawn: 1, codes: ['EDU_EXPENSE'], codeCount: 1 });
    const signals = detail.alerts.flatMap((a) => a.signals);
    expect(signals.map((s) => [s.code, s.superseded?.reason ?? null])).toEqual([
      ['EDU_DROPOUT', '数据已由更正文件（第 9 批导入）替换，更正后的数据不再产生此信号'],
      ['EDU_EXPENSE', null],
    ]);
    expect(detail.events.map((e) => e.action)).toEqual(['open', 'signals_withdrawn']);
    expect(detail.events[1]!.note).toBe(
      '1 条预警信号已撤销：数据已由更正文件（第 9 批导入）替换，更正后的数据不再产生此信号',
    );
  });
});
