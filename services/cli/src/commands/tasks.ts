// `tasks workflow | list | mark-overdue`: the task workflow from the terminal. The workflow's one
// table printed as the code holds it; the queue of a town (or all towns) as a supervisor sees it;
// the scheduler's overdue step run by hand. Actions on tasks are taken by signed-in people in the
// console (the CLI has no caseworker identity).
import { Command } from 'commander';
import {
  ACTION_LABELS,
  listTasks,
  markOverdue,
  OUTCOME_LABELS,
  queueFilter,
  STATUS_LABELS,
  TRANSITIONS,
  type TaskAction,
} from '@ew/casework';
import { withApp } from '../app.ts';
import { table } from '../format.ts';

const WHO_LABELS: Record<string, string> = {
  town_caseworker: '本镇经办人',
  assignee: '承办人',
  supervisor: '主管',
  system: '系统',
};

export function tasksCommand(): Command {
  const tasks = new Command('tasks').description('investigation tasks (domain §5)');
  tasks
    .command('workflow')
    .description(
      'print the workflow: every action, the states it starts from, where it leads, who may take it',
    )
    .action(() => {
      const rows = (Object.keys(TRANSITIONS) as TaskAction[]).map((action) => {
        const t = TRANSITIONS[action];
        const from = t.from.map((s) => (s === null ? '—' : `${s} ${STATUS_LABELS[s]}`)).join(', ');
        const to = t.to === 'same' ? '(unchanged)' : `${t.to} ${STATUS_LABELS[t.to]}`;
        return [
          `${action} ${ACTION_LABELS[action]}`,
          from,
          action === 'close'
            ? `${to} / 一事一议 → PENDING_APPROVAL 待审批`
            : action === 'transfer'
              ? 'TRANSFERRED 已转办 → NEW 待受理 (receiving town)'
              : to,
          t.who.map((w) => WHO_LABELS[w]).join('、'),
        ];
      });
      process.stdout.write(`${table(['action', 'from', 'to', 'who'], rows)}\n`);
    });
  tasks
    .command('list')
    .description('the queue in priority order (all towns unless --town)')
    .option('--town <name>', 'one town by name')
    .option('--status <status>', 'OPEN (default) | NEW | ASSIGNED | IN_PROGRESS | PENDING_APPROVAL | CLOSED')
    .option('--overdue', 'only overdue tasks')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (opts: { town?: string; status?: string; overdue?: boolean; limit: string }) => {
      await withApp(async ({ ctx }) => {
        const db = ctx.database.db;
        let townId: number | undefined;
        if (opts.town !== undefined) {
          const town = await db
            .selectFrom('towns')
            .select('id')
            .where('name', '=', opts.town)
            .executeTakeFirst();
          if (town === undefined) throw new Error(`no town named ${opts.town}`);
          townId = town.id;
        }
        const filter = queueFilter.parse({
          ...(opts.status ? { status: opts.status } : {}),
          ...(opts.overdue ? { overdue: 'true' } : {}),
          limit: opts.limit,
        });
        // the operator at the terminal reads as a supervisor does: all towns
        const page = await listTasks(
          db,
          { id: 0, username: 'cli', role: 'SUPERVISOR', townId: null },
          {
            ...filter,
            ...(townId === undefined ? {} : { townId }),
          },
        );
        const rows = page.tasks.map((t) => [
          t.taskId,
          t.town,
          t.village,
          t.householdNo ?? t.subjectName,
          t.severity,
          t.codes.join(' ') + (t.signalsWithdrawn > 0 ? ` (${t.signalsWithdrawn} 已撤销)` : ''),
          STATUS_LABELS[t.status],
          t.dueAt.toISOString().slice(0, 10) + (t.overdue ? ' 超期' : ''),
          t.assignedTo?.username ?? null,
          t.outcome === null ? null : OUTCOME_LABELS[t.outcome],
        ]);
        process.stdout.write(
          rows.length === 0
            ? 'no tasks\n'
            : `${table(['task', 'town', 'village', 'household', 'sev', 'codes', 'status', 'due', 'assignee', 'outcome'], rows)}\n`,
        );
      });
    });
  tasks
    .command('mark-overdue')
    .description("note passed deadlines in the tasks' histories now (the worker's scheduler does it hourly)")
    .action(async () => {
      await withApp(async ({ ctx }) => {
        const r = await markOverdue(ctx.database.db);
        process.stdout.write(
          `overdue tasks: ${r.tasksOverdue} (${r.tasksMarked} newly noted); overdue paperwork: ${r.paperworkOverdue} (${r.paperworkMarked} newly noted)\n`,
        );
      });
    });
  return tasks;
}
