// A signal's alert lives in a narrow link table instead of signals.alert_id. Raising the alerts of
// a 1,000,000-row delivery attaches ~400,000 signals: updating signals.alert_id rewrote each wide
// signal row and every one of its indexes (25 s at 1M rows, pnpm bench pipeline), while inserting
// (signal_id, alert_id) pairs costs ~1.5 s. "Unattached" is now "has no alert_signals row".
// No foreign keys, as on signals (T0010): each would be a trigger call per linked row, and the
// only writer (alerts/raise-alerts.ts) links signals it has just read to alerts it has just written,
// in one transaction; neither table ever has rows deleted.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table alert_signals (
      signal_id bigint primary key,
      alert_id bigint not null
    );
    create index alert_signals_alert on alert_signals (alert_id);
    insert into alert_signals (signal_id, alert_id)
      select id, alert_id from signals where alert_id is not null;
    drop index if exists signals_unattached;
    drop index if exists signals_alert;
    alter table signals drop column alert_id;
    -- raiseAlerts walks an import's signals in household ranges
    create index signals_import_household on signals (import_id, household_id);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table signals add column alert_id bigint references alerts;
    update signals s set alert_id = l.alert_id from alert_signals l where l.signal_id = s.id;
    drop index if exists signals_import_household;
    create index signals_alert on signals (alert_id);
    create index signals_unattached on signals (import_id, household_id) where alert_id is null;
    drop table alert_signals;
  `.execute(db);
}
