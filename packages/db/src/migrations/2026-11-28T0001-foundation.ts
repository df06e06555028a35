// Foundation schema. Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- 托管镇 / 社区办: the unit a caseworker belongs to.
    create table towns (
      id serial primary key,
      name text not null unique,
      created_at timestamptz not null default now()
    );

    -- One row per register snapshot file (户籍 / 低收入人口库 全量快照).
    create table register_snapshots (
      id bigserial primary key,
      file_sha256 text not null unique,
      file_name text not null,
      encoding text,
      status text not null check (status in ('LOADING', 'APPLIED', 'REFUSED')),
      rows_read integer not null default 0,
      rows_accepted integer not null default 0,
      rows_rejected integer not null default 0,
      households integer not null default 0,
      persons integer not null default 0,
      error_code text,
      error_message text,
      created_at timestamptz not null default now(),
      applied_at timestamptz
    );

    create table register_rejects (
      snapshot_id bigint not null references register_snapshots on delete cascade,
      row_no integer not null,
      field text not null,
      column_name text,
      reason text not null,
      value_masked text,
      message text not null,
      primary key (snapshot_id, row_no, field)
    );

    create table households (
      id bigserial primary key,
      household_no text not null unique,                 -- 户编号
      town_id integer not null references towns,
      village text,                                      -- 村 / 社区
      area_type text not null check (area_type in ('URBAN', 'RURAL')),
      address text,
      monthly_income numeric(12, 2),                     -- 家庭月收入 (CNY)
      assistance_status text not null
        check (assistance_status in ('DIBAO', 'TEKUN', 'MARGINAL', 'MONITORED', 'NONE')),
      refused_before boolean not null default false,     -- 曾申请未通过
      refused_on date,
      member_count integer not null default 0,
      active boolean not null default true,
      snapshot_id bigint references register_snapshots,
      updated_at timestamptz not null default now()
    );
    create index households_town on households (town_id) where active;

    create table persons (
      id bigserial primary key,
      id_number text not null unique,                    -- 18-char normalised ID (or its keyed hash)
      name text not null,
      name_norm text not null,                           -- simplified, no separators
      name_pinyin text not null,
      gender char(1) check (gender in ('M', 'F')),
      birth_date date,
      household_id bigint not null references households,
      relation text not null check (relation in ('HEAD', 'SPOUSE', 'CHILD', 'PARENT', 'OTHER')),
      active boolean not null default true,
      snapshot_id bigint references register_snapshots,
      updated_at timestamptz not null default now()
    );
    create index persons_household on persons (household_id);
    create index persons_name_birth on persons (name_norm, birth_date) where active;
    create index persons_birth on persons (birth_date) where active;
    create index persons_pinyin_birth on persons (name_pinyin, birth_date) where active;

    -- Differences between consecutive snapshots.
    create table register_events (
      id bigserial primary key,
      snapshot_id bigint not null references register_snapshots,
      kind text not null check (kind in (
        'PERSON_ADDED', 'PERSON_REMOVED', 'PERSON_MOVED',
        'HOUSEHOLD_ADDED', 'HOUSEHOLD_REMOVED', 'STATUS_CHANGED', 'INCOME_CHANGED')),
      person_id bigint references persons,
      household_id bigint references households,
      detail jsonb not null default '{}',
      created_at timestamptz not null default now(),
      unique nulls not distinct (snapshot_id, kind, person_id, household_id)
    );

    -- One row per departmental delivery (a file for one feed and one period).
    create table imports (
      id bigserial primary key,
      feed text not null,
      period date not null,
      file_sha256 text not null,
      file_name text not null,
      stored_path text not null,
      format text,
      encoding text,
      status text not null check (status in (
        'QUEUED', 'STAGING', 'STAGED', 'MATCHING', 'MATCHED', 'EVALUATED', 'REFUSED', 'FAILED', 'REPLACED')),
      error_code text,
      error_message text,
      rows_read integer not null default 0,
      rows_accepted integer not null default 0,
      rows_rejected integer not null default 0,
      rows_duplicate integer not null default 0,
      rows_new integer,
      rows_changed integer,
      rows_gone integer,
      previous_import_id bigint references imports,
      replaces_import_id bigint references imports,
      requested_by text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      staged_at timestamptz,
      finished_at timestamptz,
      unique (feed, period, file_sha256)
    );
    -- At most one staged (live) delivery per feed and period; a corrected file replaces it
    -- explicitly, in the transaction that stages the correction.
    create unique index imports_one_live on imports (feed, period)
      where status in ('STAGED', 'MATCHING', 'MATCHED', 'EVALUATED');

    create table staged_rows (
      import_id bigint not null references imports on delete cascade,
      row_no integer not null,                            -- spreadsheet line (header = 1)
      id_number text,                                     -- valid 18-char ID, else null
      id_status text not null,                            -- VALID or why the ID is unusable
      name text,
      name_norm text,
      birth_date date,
      gender char(1),
      town text,
      row_key text not null,                              -- who the row is about (for delivery deltas)
      row_hash text not null,                             -- what it says (for delivery deltas)
      duplicate_of integer,                               -- first identical row in this file
      delta text check (delta in ('NEW', 'CHANGED', 'SAME')), -- against the previous delivery
      payload jsonb not null,                             -- feed-specific canonical fields
      primary key (import_id, row_no)
    );

    create table import_rejects (
      import_id bigint not null references imports on delete cascade,
      row_no integer not null,
      field text not null,
      column_name text,
      reason text not null,
      value_masked text,
      message text not null,
      primary key (import_id, row_no, field)
    );

    create table matches (
      import_id bigint not null,
      row_no integer not null,
      person_id bigint references persons,
      method text not null check (method in (
        'ID', 'FALLBACK', 'MANUAL', 'REVIEW', 'CONFLICT', 'OUTSIDE', 'UNMATCHED')),
      score numeric(4, 3),
      evidence jsonb not null default '{}',
      matched_at timestamptz not null default now(),
      primary key (import_id, row_no),
      foreign key (import_id, row_no) references staged_rows on delete cascade
    );
    create index matches_person on matches (person_id);

    create table match_reviews (
      id bigserial primary key,
      import_id bigint not null,
      row_no integer not null,
      kind text not null check (kind in ('REVIEW', 'CONFLICT')),
      candidates jsonb not null,                          -- [{ personId, score, kind }]
      status text not null default 'OPEN' check (status in ('OPEN', 'ACCEPTED', 'REJECTED')),
      chosen_person_id bigint references persons,
      decided_by text,
      decided_at timestamptz,
      created_at timestamptz not null default now(),
      unique (import_id, row_no),
      foreign key (import_id, row_no) references staged_rows on delete cascade
    );

    create table users (
      id serial primary key,
      username text not null unique,
      display_name text not null,
      role text not null check (role in ('ADMIN', 'CASEWORKER', 'SUPERVISOR', 'OPS')),
      town_id integer references towns,
      token_sha256 text unique,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      check (role <> 'CASEWORKER' or town_id is not null)
    );

    -- Investigation task (一门受理、协同办理): at most one open per household.
    create table tasks (
      id bigserial primary key,
      household_id bigint not null references households,
      town_id integer not null references towns,
      status text not null check (status in ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED')),
      severity text not null check (severity in ('low', 'medium', 'high')),
      assigned_to integer references users,
      due_at timestamptz not null,
      outcome text check (outcome in (
        'INCLUDED_MARGINAL', 'REFERRED_DIBAO', 'TEMP_AID_EMERGENCY', 'TEMP_AID_EXPENSE',
        'CASE_BY_CASE', 'NOT_ELIGIBLE', 'NOT_FOUND')),
      aid_amount numeric(12, 2),
      paperwork_due_at timestamptz,
      approved_by integer references users,
      approved_at timestamptz,
      created_at timestamptz not null default now(),
      closed_at timestamptz
    );
    create unique index tasks_one_open on tasks (household_id) where status <> 'CLOSED';
    create index tasks_town_status on tasks (town_id, status);

    create table task_events (
      id bigserial primary key,
      task_id bigint not null references tasks,
      from_status text,
      to_status text not null,
      actor text not null,
      note text,
      detail jsonb not null default '{}',
      at timestamptz not null default now()
    );
    create index task_events_task on task_events (task_id);

    -- Household alert: the signals of one household, grouped.
    create table alerts (
      id bigserial primary key,
      household_id bigint not null references households,
      task_id bigint references tasks,
      severity text not null check (severity in ('low', 'medium', 'high')),
      status text not null default 'OPEN' check (status in ('OPEN', 'CLOSED', 'SUPPRESSED')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index alerts_one_open on alerts (household_id) where status = 'OPEN';

    -- Signal identity: (feed, person, code, source period); register rules have no person.
    create table signals (
      id bigserial primary key,
      feed text not null,
      person_id bigint references persons,
      household_id bigint not null references households,
      code text not null,
      source_period date not null,
      severity text not null check (severity in ('low', 'medium', 'high')),
      import_id bigint,
      row_no integer,
      evidence jsonb not null default '{}',
      alert_id bigint references alerts,
      created_at timestamptz not null default now(),
      unique nulls not distinct (feed, person_id, household_id, code, source_period)
    );
    create index signals_household on signals (household_id, created_at);

    create table audit_log (
      id bigserial primary key,
      actor text not null,
      action text not null,
      subject_type text,
      subject_id text,
      detail jsonb not null default '{}',
      at timestamptz not null default now()
    );

    -- Transactional outbox: a stage records its next job here in its own transaction.
    create table outbox (
      id bigserial primary key,
      queue text not null,
      job_name text not null,
      job_id text not null unique,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      dispatched_at timestamptz
    );
    create index outbox_pending on outbox (id) where dispatched_at is null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists outbox, audit_log, signals, alerts, task_events, tasks, users,
      match_reviews, matches, import_rejects, staged_rows, imports, register_events,
      persons, households, register_rejects, register_snapshots, towns cascade
  `.execute(db);
}
