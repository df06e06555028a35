// tasks.signals_withdrawn: how many of a task's signals were withdrawn (superseded: a new standard,
// a corrected file). The queue showed it per row by counting alerts × alert_signals × signals for
// each task of the page — two thirds of the queue statement's time at 1,000,000 tasks (bench api).
// Kept here by one statement-level trigger on signals, whoever changes superseded_at (the withdrawal,
// a corrected file's re-evaluation reviving a signal): one call per statement over its transition
// tables, not one per row. A signal belongs to one alert (alert_signals' key) and an alert to one task.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table tasks add column signals_withdrawn integer not null default 0;
    update tasks t set signals_withdrawn = w.n
      from (select a.task_id, count(*)::int as n
              from signals s
              join alert_signals l on l.signal_id = s.id
              join alerts a on a.id = l.alert_id
             where s.superseded_at is not null and a.task_id is not null
             group by a.task_id) w
     where t.id = w.task_id;

    create function tasks_count_withdrawn_signals() returns trigger language plpgsql as $$
    begin
      update tasks t set signals_withdrawn = t.signals_withdrawn + d.delta
        from (select a.task_id,
                     sum(case when n.superseded_at is null then -1 else 1 end)::int as delta
                from changed_new n
                join changed_old o on o.id = n.id
                join alert_signals l on l.signal_id = n.id
                join alerts a on a.id = l.alert_id
               where (o.superseded_at is null) <> (n.superseded_at is null) and a.task_id is not null
               group by a.task_id) d
       where t.id = d.task_id and d.delta <> 0;
      return null;
    end $$;
    create trigger signals_withdrawn_count after update on signals
      referencing old table as changed_old new table as changed_new
      for each statement execute function tasks_count_withdrawn_signals();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop trigger signals_withdrawn_count on signals;
    drop function tasks_count_withdrawn_signals();
    alter table tasks drop column signals_withdrawn;
  `.execute(db);
}
