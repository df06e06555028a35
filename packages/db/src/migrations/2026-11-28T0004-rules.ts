// Early-warning rules: a run log that makes register-wide evaluations (standard changes, register
// snapshots) happen once, the severity basis of an alert (why it has its severity), and indexes
// for raising alerts. Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- One row per register-wide rule evaluation, so each runs exactly once:
    --   STANDARD_CHANGE  run_key 'URBAN:2023-07-01'   (a new low-income standard taking effect)
    --   REGISTER_INCOME  run_key '<snapshot id>'      (INCOME_MARGINAL after a register snapshot)
    create table rule_runs (
      kind text not null check (kind in ('STANDARD_CHANGE', 'REGISTER_INCOME')),
      run_key text not null,
      signals integer not null default 0,
      detail jsonb not null default '{}',
      ran_at timestamptz not null default now(),
      primary key (kind, run_key)
    );

    -- Why an alert has its severity: base (highest signal), compound codes, prior refusal.
    alter table alerts add column severity_basis jsonb not null default '{}';

    -- Signals not yet grouped into an alert, per import (raiseAlerts reads these).
    create index signals_unattached on signals (import_id) where alert_id is null;
    create index signals_alert on signals (alert_id);
    -- A household's past alerts (suppression after a close looks them up).
    create index alerts_household on alerts (household_id);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists alerts_household;
    drop index if exists signals_alert;
    drop index if exists signals_unattached;
    alter table alerts drop column if exists severity_basis;
    drop table if exists rule_runs;
  `.execute(db);
}
